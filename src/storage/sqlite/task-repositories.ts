import type {
  FederatedDomainRecord,
  FederationReader,
  FederationWriter,
  GrantReader,
  GrantRecord,
  GrantWriter,
  ReplayWriter,
  TaskReader,
  TaskRecord,
  TaskTokenReader,
  TaskTokenRecord,
  TaskTokenWriter,
  TaskWriter,
  TrustRuleReader,
  TrustRuleRecord,
  TrustRuleWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = Record<string, unknown>;
const nullable = <T>(v: unknown): T | null => (v === undefined || v === null ? null : (v as T));

const taskFromRow = (r: Row): TaskRecord => ({
  id: r.id as string,
  agent: r.agent as string,
  subject: r.subject as string,
  purpose: r.purpose as string,
  scopes: parse(r.scopes as string),
  authorizationDetails: parse(r.authorization_details as string),
  audience: parse(r.audience as string),
  grantId: nullable(r.grant_id),
  status: r.status as TaskRecord['status'],
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  endedAt: nullable(r.ended_at),
  endedBy: nullable(r.ended_by),
  rootJti: r.root_jti as string,
});

export class SqliteTasks implements TaskReader, TaskWriter {
  constructor(private readonly s: Statements) {}
  async get(id: string) {
    const r = this.s.one<Row>('SELECT * FROM tasks WHERE id = ?', id);
    return r && taskFromRow(r);
  }
  async list(filter: { agent?: string; status?: TaskRecord['status']; limit?: number } = {}) {
    return this.s
      .all<Row>(
        'SELECT * FROM tasks WHERE (? IS NULL OR agent = ?) AND (? IS NULL OR status = ?) ORDER BY created_at DESC, id LIMIT ?',
        filter.agent ?? null,
        filter.agent ?? null,
        filter.status ?? null,
        filter.status ?? null,
        filter.limit ?? 100,
      )
      .map(taskFromRow);
  }
  async insert(t: TaskRecord) {
    this.s.run(
      'INSERT INTO tasks (id, agent, subject, purpose, scopes, authorization_details, audience, grant_id, status, created_at, expires_at, ended_at, ended_by, root_jti) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      t.id,
      t.agent,
      t.subject,
      t.purpose,
      json(t.scopes),
      json(t.authorizationDetails),
      json(t.audience),
      t.grantId,
      t.status,
      t.createdAt,
      t.expiresAt,
      t.endedAt,
      t.endedBy,
      t.rootJti,
    );
  }
  async finish(id: string, status: 'ended' | 'expired', at: number, by: string) {
    return (
      this.s.run(
        "UPDATE tasks SET status = ?, ended_at = ?, ended_by = ? WHERE id = ? AND status = 'active'",
        status,
        at,
        by,
        id,
      ).changes === 1
    );
  }
  async listExpired(now: number, limit: number) {
    return this.s
      .all<Row>(
        "SELECT * FROM tasks WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
        now,
        limit,
      )
      .map(taskFromRow);
  }
}

const tokenFromRow = (r: Row): TaskTokenRecord => ({
  jti: r.jti as string,
  taskId: r.task_id as string,
  parentJti: nullable(r.parent_jti),
  ancestors: parse(r.ancestors as string),
  depth: r.depth as number,
  subject: r.subject as string,
  holder: r.holder as string,
  clientId: r.client_id as string,
  scopes: parse(r.scopes as string),
  audience: parse(r.audience as string),
  cnfJkt: nullable(r.cnf_jkt),
  issuedAt: r.issued_at as number,
  expiresAt: r.expires_at as number,
  revokedAt: nullable(r.revoked_at),
  revokedBy: nullable(r.revoked_by),
});

export class SqliteTaskTokens implements TaskTokenReader, TaskTokenWriter {
  constructor(private readonly s: Statements) {}
  async get(jti: string) {
    const r = this.s.one<Row>('SELECT * FROM task_tokens WHERE jti = ?', jti);
    return r && tokenFromRow(r);
  }
  async listByTask(taskId: string) {
    return this.s
      .all<Row>(
        'SELECT * FROM task_tokens WHERE task_id = ? ORDER BY depth, issued_at, jti',
        taskId,
      )
      .map(tokenFromRow);
  }
  async listRevokedUnexpired(now: number) {
    return this.s
      .all<Row>('SELECT * FROM task_tokens WHERE revoked_at IS NOT NULL AND expires_at > ?', now)
      .map(tokenFromRow);
  }
  async insert(t: TaskTokenRecord) {
    this.s.run(
      'INSERT INTO task_tokens (jti, task_id, parent_jti, ancestors, depth, subject, holder, client_id, scopes, audience, cnf_jkt, issued_at, expires_at, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      t.jti,
      t.taskId,
      t.parentJti,
      json(t.ancestors),
      t.depth,
      t.subject,
      t.holder,
      t.clientId,
      json(t.scopes),
      json(t.audience),
      t.cnfJkt,
      t.issuedAt,
      t.expiresAt,
      t.revokedAt,
      t.revokedBy,
    );
    for (const a of t.ancestors)
      this.s.run('INSERT INTO task_token_ancestors (ancestor, jti) VALUES (?, ?)', a, t.jti);
  }
  async revokeSubtree(jti: string, at: number, by: string) {
    const jtis = [
      jti,
      ...this.s
        .all<{ jti: string }>('SELECT jti FROM task_token_ancestors WHERE ancestor = ?', jti)
        .map((r) => r.jti),
    ];
    return this.revoke(jtis, at, by);
  }
  async revokeTask(taskId: string, at: number, by: string) {
    return this.revoke(
      this.s
        .all<{ jti: string }>('SELECT jti FROM task_tokens WHERE task_id = ?', taskId)
        .map((r) => r.jti),
      at,
      by,
    );
  }
  private revoke(jtis: string[], at: number, by: string): string[] {
    const done: string[] = [];
    for (const j of jtis) {
      if (
        this.s.run(
          'UPDATE task_tokens SET revoked_at = ?, revoked_by = ? WHERE jti = ? AND revoked_at IS NULL',
          at,
          by,
          j,
        ).changes === 1
      )
        done.push(j);
    }
    return done;
  }
}

export class SqliteReplay implements ReplayWriter {
  constructor(private readonly s: Statements) {}
  async checkAndRecord(key: string, expiresAt: number, now: number) {
    // INVARIANT: an expired entry is replaced in the same statement, so a key is single-use exactly while it is live.
    const res = this.s.run(
      'INSERT INTO replay_cache (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay_cache.expires_at <= ?',
      key,
      expiresAt,
      now,
    );
    return res.changes === 1;
  }
  async deleteExpired(now: number) {
    return this.s.run('DELETE FROM replay_cache WHERE expires_at <= ?', now).changes;
  }
}

const ruleFromRow = (r: Row): TrustRuleRecord => ({
  id: r.id as string,
  from: r.from_pattern as string,
  to: r.to_pattern as string,
  maxDepth: nullable(r.max_depth),
  crossDomain: r.cross_domain === 1,
  createdAt: r.created_at as number,
});

export class SqliteTrustRules implements TrustRuleReader, TrustRuleWriter {
  constructor(private readonly s: Statements) {}
  async list() {
    return this.s.all<Row>('SELECT * FROM trust_rules ORDER BY created_at, id').map(ruleFromRow);
  }
  async insert(r: TrustRuleRecord) {
    this.s.run(
      'INSERT INTO trust_rules (id, from_pattern, to_pattern, max_depth, cross_domain, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      r.id,
      r.from,
      r.to,
      r.maxDepth,
      r.crossDomain ? 1 : 0,
      r.createdAt,
    );
  }
  async delete(id: string) {
    return this.s.run('DELETE FROM trust_rules WHERE id = ?', id).changes === 1;
  }
}

const grantFromRow = (r: Row): GrantRecord => ({
  id: r.id as string,
  human: r.human as string,
  agent: r.agent as string,
  scopes: parse(r.scopes as string),
  purpose: r.purpose as string,
  status: r.status as GrantRecord['status'],
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  revokedAt: nullable(r.revoked_at),
});

export class SqliteGrants implements GrantReader, GrantWriter {
  constructor(private readonly s: Statements) {}
  async get(id: string) {
    const r = this.s.one<Row>('SELECT * FROM grants WHERE id = ?', id);
    return r && grantFromRow(r);
  }
  async list(filter: { human?: string; agent?: string; status?: GrantRecord['status'] } = {}) {
    return this.s
      .all<Row>(
        'SELECT * FROM grants WHERE (? IS NULL OR human = ?) AND (? IS NULL OR agent = ?) AND (? IS NULL OR status = ?) ORDER BY created_at DESC',
        filter.human ?? null,
        filter.human ?? null,
        filter.agent ?? null,
        filter.agent ?? null,
        filter.status ?? null,
        filter.status ?? null,
      )
      .map(grantFromRow);
  }
  async insert(g: GrantRecord) {
    this.s.run(
      'INSERT INTO grants (id, human, agent, scopes, purpose, status, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      g.id,
      g.human,
      g.agent,
      json(g.scopes),
      g.purpose,
      g.status,
      g.createdAt,
      g.expiresAt,
      g.revokedAt,
    );
  }
  async update(g: GrantRecord) {
    this.s.run(
      'UPDATE grants SET scopes = ?, status = ?, expires_at = ?, revoked_at = ? WHERE id = ?',
      json(g.scopes),
      g.status,
      g.expiresAt,
      g.revokedAt,
      g.id,
    );
  }
}

const domainFromRow = (r: Row): FederatedDomainRecord => ({
  trustDomain: r.trust_domain as string,
  bundleEndpoint: nullable(r.bundle_endpoint),
  bundle: parse(r.bundle as string),
  refreshedAt: r.refreshed_at as number,
  createdAt: r.created_at as number,
});

export class SqliteFederation implements FederationReader, FederationWriter {
  constructor(private readonly s: Statements) {}
  async get(trustDomain: string) {
    const r = this.s.one<Row>(
      'SELECT * FROM federated_domains WHERE trust_domain = ?',
      trustDomain,
    );
    return r && domainFromRow(r);
  }
  async list() {
    return this.s
      .all<Row>('SELECT * FROM federated_domains ORDER BY trust_domain')
      .map(domainFromRow);
  }
  async upsert(d: FederatedDomainRecord) {
    this.s.run(
      `INSERT INTO federated_domains (trust_domain, bundle_endpoint, bundle, refreshed_at, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (trust_domain) DO UPDATE SET bundle_endpoint = excluded.bundle_endpoint, bundle = excluded.bundle, refreshed_at = excluded.refreshed_at`,
      d.trustDomain,
      d.bundleEndpoint,
      json(d.bundle),
      d.refreshedAt,
      d.createdAt,
    );
  }
  async delete(trustDomain: string) {
    return (
      this.s.run('DELETE FROM federated_domains WHERE trust_domain = ?', trustDomain).changes === 1
    );
  }
}
