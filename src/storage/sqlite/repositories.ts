import type {
  AgentListFilter,
  AgentReader,
  AgentRecord,
  AgentWriter,
  AuditCheckpointRecord,
  AuditEventInput,
  AuditEventRecord,
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
import type { Clock } from '../../core/clock.js';
import { chainNext } from '../../audit/chain.js';
import { json, parse, type Statements } from './statements.js';

type Row = Record<string, unknown>;

const agentFromRow = (r: Row): AgentRecord => ({
  name: r.name as string,
  spiffeId: r.spiffe_id as string,
  owner: r.owner as string,
  purpose: r.purpose as string,
  labels: parse(r.labels as string),
  status: r.status as AgentRecord['status'],
  limits: {
    maxTaskTtlSeconds: r.max_task_ttl_seconds as number,
    maxDelegationDepth: r.max_delegation_depth as number,
  },
  allowedScopes: parse(r.allowed_scopes as string),
  requireDpop: r.require_dpop === 1,
  createdAt: r.created_at as number,
  updatedAt: r.updated_at as number,
});

export class SqliteAgents implements AgentReader, AgentWriter {
  constructor(private readonly s: Statements) {}
  async get(name: string) {
    const r = this.s.one<Row>('SELECT * FROM agents WHERE name = ?', name);
    return r && agentFromRow(r);
  }
  async getBySpiffeId(spiffeId: string) {
    const r = this.s.one<Row>('SELECT * FROM agents WHERE spiffe_id = ?', spiffeId);
    return r && agentFromRow(r);
  }
  async list(filter: AgentListFilter = {}) {
    const rows = this.s.all<Row>(
      'SELECT * FROM agents WHERE (? IS NULL OR status = ?) AND (? IS NULL OR owner = ?) ORDER BY name',
      filter.status ?? null,
      filter.status ?? null,
      filter.owner ?? null,
      filter.owner ?? null,
    );
    return rows.map(agentFromRow);
  }
  async insert(a: AgentRecord) {
    this.s.run(
      'INSERT INTO agents (name, spiffe_id, owner, purpose, labels, status, max_task_ttl_seconds, max_delegation_depth, allowed_scopes, require_dpop, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      a.name,
      a.spiffeId,
      a.owner,
      a.purpose,
      json(a.labels),
      a.status,
      a.limits.maxTaskTtlSeconds,
      a.limits.maxDelegationDepth,
      json(a.allowedScopes),
      a.requireDpop ? 1 : 0,
      a.createdAt,
      a.updatedAt,
    );
  }
  async update(a: AgentRecord) {
    this.s.run(
      'UPDATE agents SET owner = ?, purpose = ?, labels = ?, status = ?, max_task_ttl_seconds = ?, max_delegation_depth = ?, allowed_scopes = ?, require_dpop = ?, updated_at = ? WHERE name = ?',
      a.owner,
      a.purpose,
      json(a.labels),
      a.status,
      a.limits.maxTaskTtlSeconds,
      a.limits.maxDelegationDepth,
      json(a.allowedScopes),
      a.requireDpop ? 1 : 0,
      a.updatedAt,
      a.name,
    );
  }
}

const joinTokenFromRow = (r: Row): JoinTokenRecord => ({
  hash: r.hash as string,
  agentName: r.agent_name as string,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  usedAt: (r.used_at as number | null) ?? null,
});

export class SqliteJoinTokens implements JoinTokenReader, JoinTokenWriter {
  constructor(private readonly s: Statements) {}
  async get(hash: string) {
    const r = this.s.one<Row>('SELECT * FROM join_tokens WHERE hash = ?', hash);
    return r && joinTokenFromRow(r);
  }
  async insert(t: JoinTokenRecord) {
    this.s.run(
      'INSERT INTO join_tokens (hash, agent_name, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?)',
      t.hash,
      t.agentName,
      t.createdAt,
      t.expiresAt,
      t.usedAt,
    );
  }
  async consume(hash: string, now: number) {
    // INVARIANT: one conditional UPDATE is the single-use check; two racing consumers cannot both see changes = 1.
    const res = this.s.run(
      'UPDATE join_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?',
      now,
      hash,
      now,
    );
    if (res.changes !== 1) return undefined;
    return this.get(hash);
  }
  async deleteExpired(before: number) {
    return this.s.run('DELETE FROM join_tokens WHERE expires_at < ?', before).changes;
  }
}

const keyFromRow = (r: Row): SigningKeyRecord => ({
  kid: r.kid as string,
  purpose: r.purpose as KeyPurpose,
  alg: r.alg as string,
  state: r.state as SigningKeyRecord['state'],
  publicJwk: parse(r.public_jwk as string),
  sealedPrivateKey: r.sealed_private_key as string,
  createdAt: r.created_at as number,
  activatedAt: (r.activated_at as number | null) ?? null,
  retiredAt: (r.retired_at as number | null) ?? null,
  publishUntil: (r.publish_until as number | null) ?? null,
});

export class SqliteKeys implements KeyReader, KeyWriter {
  constructor(private readonly s: Statements) {}
  async list(purpose?: KeyPurpose) {
    return this.s
      .all<Row>(
        'SELECT * FROM signing_keys WHERE (? IS NULL OR purpose = ?) ORDER BY created_at, kid',
        purpose ?? null,
        purpose ?? null,
      )
      .map(keyFromRow);
  }
  async get(kid: string) {
    const r = this.s.one<Row>('SELECT * FROM signing_keys WHERE kid = ?', kid);
    return r && keyFromRow(r);
  }
  async insert(k: SigningKeyRecord) {
    this.s.run(
      'INSERT INTO signing_keys (kid, purpose, alg, state, public_jwk, sealed_private_key, created_at, activated_at, retired_at, publish_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      k.kid,
      k.purpose,
      k.alg,
      k.state,
      json(k.publicJwk),
      k.sealedPrivateKey,
      k.createdAt,
      k.activatedAt,
      k.retiredAt,
      k.publishUntil,
    );
  }
  async update(k: SigningKeyRecord) {
    this.s.run(
      'UPDATE signing_keys SET state = ?, activated_at = ?, retired_at = ?, publish_until = ? WHERE kid = ?',
      k.state,
      k.activatedAt,
      k.retiredAt,
      k.publishUntil,
      k.kid,
    );
  }
  async delete(kid: string) {
    this.s.run('DELETE FROM signing_keys WHERE kid = ?', kid);
  }
}

const caFromRow = (r: Row): CaRecord => ({
  id: r.id as string,
  certPem: r.cert_pem as string,
  chainPems: parse(r.chain_pems as string),
  rootPems: parse(r.root_pems as string),
  sealedPrivateKey: r.sealed_private_key as string,
  notBefore: r.not_before as number,
  notAfter: r.not_after as number,
  state: r.state as CaRecord['state'],
  createdAt: r.created_at as number,
});

export class SqliteCas implements CaReader, CaWriter {
  constructor(private readonly s: Statements) {}
  async list() {
    return this.s.all<Row>('SELECT * FROM cas ORDER BY created_at').map(caFromRow);
  }
  async insert(c: CaRecord) {
    this.s.run(
      'INSERT INTO cas (id, cert_pem, chain_pems, root_pems, sealed_private_key, not_before, not_after, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      c.id,
      c.certPem,
      json(c.chainPems),
      json(c.rootPems),
      c.sealedPrivateKey,
      c.notBefore,
      c.notAfter,
      c.state,
      c.createdAt,
    );
  }
  async update(c: CaRecord) {
    this.s.run('UPDATE cas SET state = ? WHERE id = ?', c.state, c.id);
  }
}

export class SqliteCredentials implements CredentialReader, CredentialWriter {
  constructor(private readonly s: Statements) {}
  async lastExpiry(signer: string) {
    const r = this.s.one<{ m: number | null }>(
      'SELECT MAX(expires_at) AS m FROM credentials WHERE signer = ?',
      signer,
    );
    return r?.m ?? undefined;
  }
  async count(kind?: CredentialRecord['kind']) {
    return (
      this.s.one<{ n: number }>(
        'SELECT COUNT(*) AS n FROM credentials WHERE (? IS NULL OR kind = ?)',
        kind ?? null,
        kind ?? null,
      )?.n ?? 0
    );
  }
  async insert(c: CredentialRecord) {
    this.s.run(
      'INSERT INTO credentials (id, kind, subject, audience, signer, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      c.id,
      c.kind,
      c.subject,
      json(c.audience),
      c.signer,
      c.issuedAt,
      c.expiresAt,
    );
  }
  async deleteExpired(before: number) {
    return this.s.run('DELETE FROM credentials WHERE expires_at < ?', before).changes;
  }
}

const issuerFromRow = (r: Row): TrustedIssuerRecord => ({
  issuer: r.issuer as string,
  jwksUri: (r.jwks_uri as string | null) ?? null,
  jwks: parse(r.jwks as string | null),
  audience: r.audience as string,
  rules: parse(r.rules as string),
  createdAt: r.created_at as number,
});

export class SqliteIssuers implements IssuerReader, IssuerWriter {
  constructor(private readonly s: Statements) {}
  async get(issuer: string) {
    const r = this.s.one<Row>('SELECT * FROM trusted_issuers WHERE issuer = ?', issuer);
    return r && issuerFromRow(r);
  }
  async list() {
    return this.s.all<Row>('SELECT * FROM trusted_issuers ORDER BY issuer').map(issuerFromRow);
  }
  async upsert(i: TrustedIssuerRecord) {
    this.s.run(
      `INSERT INTO trusted_issuers (issuer, jwks_uri, jwks, audience, rules, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (issuer) DO UPDATE SET jwks_uri = excluded.jwks_uri, jwks = excluded.jwks, audience = excluded.audience, rules = excluded.rules`,
      i.issuer,
      i.jwksUri,
      i.jwks === null ? null : json(i.jwks),
      i.audience,
      json(i.rules),
      i.createdAt,
    );
  }
  async delete(issuer: string) {
    return this.s.run('DELETE FROM trusted_issuers WHERE issuer = ?', issuer).changes === 1;
  }
}

const eventFromRow = (r: Row): AuditEventRecord => ({
  seq: r.seq as number,
  time: r.time as number,
  actor: r.actor as string,
  action: r.action as string,
  target: r.target as string,
  outcome: r.outcome as AuditEventRecord['outcome'],
  requestId: (r.request_id as string | null) ?? null,
  details: parse(r.details as string),
  prevHash: r.prev_hash as string,
  hash: r.hash as string,
});

export class SqliteAudit implements AuditReader, AuditWriter {
  constructor(
    private readonly s: Statements,
    private readonly clock: Clock,
  ) {}
  async list(opts: { afterSeq?: number; sinceTime?: number; limit?: number } = {}) {
    return this.s
      .all<Row>(
        'SELECT * FROM audit_events WHERE seq > ? AND time >= ? ORDER BY seq LIMIT ?',
        opts.afterSeq ?? 0,
        opts.sinceTime ?? 0,
        opts.limit ?? -1,
      )
      .map(eventFromRow);
  }
  async head() {
    const r = this.s.one<Row>('SELECT * FROM audit_events ORDER BY seq DESC LIMIT 1');
    return r && eventFromRow(r);
  }
  async checkpoints() {
    return this.s.all<AuditCheckpointRecord>(
      'SELECT seq, hash, time, signature FROM audit_checkpoints ORDER BY seq',
    );
  }
  async append(input: AuditEventInput) {
    const head = this.s.one<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
    );
    const event = chainNext(head, {
      time: input.time ?? this.clock.now(),
      actor: input.actor,
      action: input.action,
      target: input.target,
      outcome: input.outcome,
      requestId: input.requestId,
      // Normalized through JSON so the hashed form equals what is read back.
      details: parse(json(input.details ?? {})),
    });
    this.s.run(
      'INSERT INTO audit_events (seq, time, actor, action, target, outcome, request_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      event.seq,
      event.time,
      event.actor,
      event.action,
      event.target,
      event.outcome,
      event.requestId,
      json(event.details),
      event.prevHash,
      event.hash,
    );
    return event;
  }
  async addCheckpoint(c: AuditCheckpointRecord) {
    this.s.run(
      'INSERT INTO audit_checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)',
      c.seq,
      c.hash,
      c.time,
      c.signature,
    );
  }
}

export class SqliteMeta implements MetaReader, MetaWriter {
  constructor(private readonly s: Statements) {}
  async get(key: string) {
    return this.s.one<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value;
  }
  async set(key: string, value: string) {
    this.s.run(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      key,
      value,
    );
  }
}
