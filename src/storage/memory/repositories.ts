import { chainNext } from '../../audit/chain.js';
import type { Clock } from '../../core/clock.js';
import type {
  AgentListFilter,
  AgentReader,
  AgentRecord,
  AgentWriter,
  AuditCheckpointRecord,
  AuditEventInput,
  AuditReader,
  AuditWriter,
  CaReader,
  CaRecord,
  CaWriter,
  CredentialReader,
  CredentialRecord,
  CredentialWriter,
  IssuerReader,
  IssuerWriter,
  JoinTokenReader,
  JoinTokenRecord,
  JoinTokenWriter,
  KeyPurpose,
  KeyReader,
  KeyWriter,
  MetaReader,
  MetaWriter,
  SigningKeyRecord,
  TrustedIssuerRecord,
} from '../../core/store/index.js';
import {
  conflict,
  copy,
  deleteWhere,
  foreignKey,
  insert,
  limit,
  orderBy,
  stored,
  update,
  type View,
} from './tables.js';

/** The identity aggregates, the audit log and meta, as ../sqlite/repositories.ts keeps them. */

export class MemoryAgents implements AgentReader, AgentWriter {
  constructor(private readonly v: View) {}
  async get(name: string) {
    return copy(this.v.table('agents').get(name));
  }
  async getBySpiffeId(spiffeId: string) {
    return copy([...this.v.table('agents').values()].find((a) => a.spiffeId === spiffeId));
  }
  async list(filter: AgentListFilter = {}) {
    const rows = [...this.v.table('agents').values()].filter(
      (a) =>
        (filter.status === undefined || a.status === filter.status) &&
        (filter.owner === undefined || a.owner === filter.owner),
    );
    return orderBy(rows, [(a) => a.name]).map((a) => copy(a));
  }
  async insert(a: AgentRecord) {
    const agents = this.v.write('agents');
    // INVARIANT: the SPIFFE ID is unique, like the name (SQLite's UNIQUE constraint).
    if ([...agents.values()].some((x) => x.spiffeId === a.spiffeId)) throw conflict();
    insert(agents, a.name, a);
  }
  async update(a: AgentRecord) {
    // As the SQLite UPDATE: the name, SPIFFE ID and creation time stay.
    update(this.v.write('agents'), a.name, (old) => ({
      ...a,
      name: old.name,
      spiffeId: old.spiffeId,
      createdAt: old.createdAt,
    }));
  }
}

export class MemoryJoinTokens implements JoinTokenReader, JoinTokenWriter {
  constructor(private readonly v: View) {}
  async get(hash: string) {
    return copy(this.v.table('joinTokens').get(hash));
  }
  async insert(t: JoinTokenRecord) {
    if (!this.v.table('agents').has(t.agentName)) throw foreignKey(`agent \`${t.agentName}\``);
    insert(this.v.write('joinTokens'), t.hash, t);
  }
  async consume(hash: string, now: number) {
    const t = this.v.table('joinTokens').get(hash);
    if (!t || t.usedAt !== null || t.expiresAt <= now) return undefined;
    update(this.v.write('joinTokens'), hash, (old) => ({ ...old, usedAt: now }));
    return this.get(hash);
  }
  async deleteExpired(before: number) {
    return deleteWhere(this.v.write('joinTokens'), (t) => t.expiresAt < before);
  }
}

export class MemoryKeys implements KeyReader, KeyWriter {
  constructor(private readonly v: View) {}
  async list(purpose?: KeyPurpose) {
    const rows = [...this.v.table('keys').values()].filter(
      (k) => purpose === undefined || k.purpose === purpose,
    );
    return orderBy(rows, [(k) => k.createdAt], [(k) => k.kid]).map((k) => copy(k));
  }
  async get(kid: string) {
    return copy(this.v.table('keys').get(kid));
  }
  async insert(k: SigningKeyRecord) {
    insert(this.v.write('keys'), k.kid, k);
  }
  async update(k: SigningKeyRecord) {
    // Only the rotation state changes; the key material never does.
    update(this.v.write('keys'), k.kid, (old) => ({
      ...old,
      state: k.state,
      activatedAt: k.activatedAt,
      retiredAt: k.retiredAt,
      publishUntil: k.publishUntil,
    }));
  }
  async delete(kid: string) {
    this.v.write('keys').delete(kid);
  }
}

export class MemoryCas implements CaReader, CaWriter {
  constructor(private readonly v: View) {}
  async list() {
    return orderBy([...this.v.table('cas').values()], [(c) => c.createdAt]).map((c) => copy(c));
  }
  async insert(c: CaRecord) {
    insert(this.v.write('cas'), c.id, c);
  }
  async update(c: CaRecord) {
    update(this.v.write('cas'), c.id, (old) => ({ ...old, state: c.state }));
  }
}

export class MemoryCredentials implements CredentialReader, CredentialWriter {
  constructor(private readonly v: View) {}
  async lastExpiry(signer: string) {
    let last: number | undefined;
    for (const c of this.v.table('credentials').values())
      if (c.signer === signer && (last === undefined || c.expiresAt > last)) last = c.expiresAt;
    return last;
  }
  async count(kind?: CredentialRecord['kind']) {
    return [...this.v.table('credentials').values()].filter(
      (c) => kind === undefined || c.kind === kind,
    ).length;
  }
  async insert(c: CredentialRecord) {
    insert(this.v.write('credentials'), c.id, c);
  }
  async deleteExpired(before: number) {
    return deleteWhere(this.v.write('credentials'), (c) => c.expiresAt < before);
  }
}

export class MemoryIssuers implements IssuerReader, IssuerWriter {
  constructor(private readonly v: View) {}
  async get(issuer: string) {
    return copy(this.v.table('issuers').get(issuer));
  }
  async list() {
    return orderBy([...this.v.table('issuers').values()], [(i) => i.issuer]).map((i) => copy(i));
  }
  async upsert(i: TrustedIssuerRecord) {
    const issuers = this.v.write('issuers');
    const old = issuers.get(i.issuer);
    issuers.set(i.issuer, stored(old ? { ...i, createdAt: old.createdAt } : i));
  }
  async delete(issuer: string) {
    return this.v.write('issuers').delete(issuer);
  }
}

export class MemoryAudit implements AuditReader, AuditWriter {
  constructor(
    private readonly v: View,
    private readonly clock: Clock,
  ) {}
  async list(opts: { afterSeq?: number; sinceTime?: number; limit?: number } = {}) {
    const rows = [...this.v.table('auditEvents').values()].filter(
      (e) => e.seq > (opts.afterSeq ?? 0) && e.time >= (opts.sinceTime ?? 0),
    );
    return limit(rows, opts.limit).map((e) => copy(e));
  }
  async head() {
    return copy(this.#head());
  }
  async checkpoints() {
    return orderBy([...this.v.table('auditCheckpoints').values()], [(c) => c.seq]).map((c) =>
      copy(c),
    );
  }
  async append(input: AuditEventInput) {
    // The same chain as every store's (audit/chain.ts): the hash does not depend on the backend.
    const event = chainNext(this.#head(), {
      time: input.time ?? this.clock.now(),
      actor: input.actor,
      action: input.action,
      target: input.target,
      outcome: input.outcome,
      requestId: input.requestId,
      // Normalized through JSON, as a SQL store keeps it, so the hashed form equals what is read back.
      details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
    });
    insert(this.v.write('auditEvents'), event.seq, event);
    this.v.write('sequences').set('audit', event.seq);
    return copy(event);
  }
  #head() {
    const seq = this.v.table('sequences').get('audit');
    return seq === undefined ? undefined : this.v.table('auditEvents').get(seq);
  }
  async addCheckpoint(c: AuditCheckpointRecord) {
    insert(this.v.write('auditCheckpoints'), c.seq, {
      seq: c.seq,
      hash: c.hash,
      time: c.time,
      signature: c.signature,
    });
  }
}

export class MemoryMeta implements MetaReader, MetaWriter {
  constructor(private readonly v: View) {}
  async get(key: string) {
    return this.v.table('meta').get(key);
  }
  async set(key: string, value: string) {
    this.v.write('meta').set(key, value);
  }
}
