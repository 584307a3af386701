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
import {
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

/** Tasks, their token trees, the replay cache, trust rules, grants and federation, as ../sqlite/task-repositories.ts keeps them. */

export class MemoryTasks implements TaskReader, TaskWriter {
  constructor(private readonly v: View) {}
  async get(id: string) {
    return copy(this.v.table('tasks').get(id));
  }
  async list(filter: { agent?: string; status?: TaskRecord['status']; limit?: number } = {}) {
    const rows = this.v
      .table('tasks')
      .values()
      .filter(
        (t) =>
          (filter.agent === undefined || t.agent === filter.agent) &&
          (filter.status === undefined || t.status === filter.status),
      );
    return limit(orderBy(rows, [(t) => t.createdAt, -1], [(t) => t.id]), filter.limit ?? 100).map(
      (t) => copy(t),
    );
  }
  async insert(t: TaskRecord) {
    insert(this.v.write('tasks'), t.id, t);
  }
  async finish(id: string, status: 'ended' | 'expired', at: number, by: string) {
    if (this.v.table('tasks').get(id)?.status !== 'active') return false;
    return update(this.v.write('tasks'), id, (old) => ({
      ...old,
      status,
      endedAt: at,
      endedBy: by,
    }));
  }
  async listExpired(now: number, n: number) {
    const rows = this.v
      .table('tasks')
      .values()
      .filter((t) => t.status === 'active' && t.expiresAt <= now);
    return limit(orderBy(rows, [(t) => t.expiresAt]), n).map((t) => copy(t));
  }
}

/** The key of a delegation edge. */
export const edgeKey = (ancestor: string, jti: string): string => `${ancestor}\0${jti}`;

export class MemoryTaskTokens implements TaskTokenReader, TaskTokenWriter {
  constructor(private readonly v: View) {}
  async get(jti: string) {
    return copy(this.v.table('tokens').get(jti));
  }
  async listByTask(taskId: string) {
    const rows = this.v
      .table('tokens')
      .values()
      .filter((t) => t.taskId === taskId);
    return orderBy(rows, [(t) => t.depth], [(t) => t.issuedAt], [(t) => t.jti]).map((t) => copy(t));
  }
  async listRevokedUnexpired(now: number) {
    return this.v
      .table('tokens')
      .values()
      .filter((t) => t.revokedAt !== null && t.expiresAt > now)
      .map((t) => copy(t));
  }
  async insert(t: TaskTokenRecord) {
    if (!this.v.table('tasks').has(t.taskId)) throw foreignKey(`task \`${t.taskId}\``);
    insert(this.v.write('tokens'), t.jti, t);
    const edges = this.v.write('tokenEdges');
    for (const ancestor of t.ancestors)
      insert(edges, edgeKey(ancestor, t.jti), { ancestor, jti: t.jti });
  }
  async revokeSubtree(jti: string, at: number, by: string) {
    const descendants = this.v
      .table('tokenEdges')
      .values()
      .filter((e) => e.ancestor === jti)
      .map((e) => e.jti);
    // Descendants in the order of SQLite's (ancestor, jti) primary key.
    return this.#revoke([jti, ...orderBy(descendants, [(j) => j])], at, by);
  }
  async revokeTask(taskId: string, at: number, by: string) {
    const jtis = this.v
      .table('tokens')
      .values()
      .filter((t) => t.taskId === taskId)
      .map((t) => t.jti);
    return this.#revoke(jtis, at, by);
  }
  #revoke(jtis: string[], at: number, by: string): string[] {
    const tokens = this.v.write('tokens');
    return jtis.filter(
      (j) =>
        tokens.get(j)?.revokedAt === null &&
        update(tokens, j, (old) => ({ ...old, revokedAt: at, revokedBy: by })),
    );
  }
}

export class MemoryReplay implements ReplayWriter {
  constructor(private readonly v: View) {}
  async checkAndRecord(key: string, expiresAt: number, now: number) {
    const replay = this.v.write('replay');
    const live = replay.get(key);
    // INVARIANT: an expired entry is replaced, so a key is single-use exactly while it is live.
    if (live !== undefined && live > now) return false;
    replay.set(key, expiresAt);
    return true;
  }
  async deleteExpired(now: number) {
    return deleteWhere(this.v.write('replay'), (expiresAt) => expiresAt <= now);
  }
}

export class MemoryTrustRules implements TrustRuleReader, TrustRuleWriter {
  constructor(private readonly v: View) {}
  async list() {
    return orderBy(this.v.table('trustRules').values(), [(r) => r.createdAt], [(r) => r.id]).map(
      (r) => copy(r),
    );
  }
  async insert(r: TrustRuleRecord) {
    insert(this.v.write('trustRules'), r.id, r);
  }
  async delete(id: string) {
    return this.v.write('trustRules').delete(id);
  }
}

export class MemoryGrants implements GrantReader, GrantWriter {
  constructor(private readonly v: View) {}
  async get(id: string) {
    return copy(this.v.table('grants').get(id));
  }
  async list(filter: { human?: string; agent?: string; status?: GrantRecord['status'] } = {}) {
    const rows = this.v
      .table('grants')
      .values()
      .filter(
        (g) =>
          (filter.human === undefined || g.human === filter.human) &&
          (filter.agent === undefined || g.agent === filter.agent) &&
          (filter.status === undefined || g.status === filter.status),
      );
    return orderBy(rows, [(g) => g.createdAt, -1]).map((g) => copy(g));
  }
  async insert(g: GrantRecord) {
    insert(this.v.write('grants'), g.id, g);
  }
  async update(g: GrantRecord) {
    // As the SQLite UPDATE: who, for whom, what for and since when stay.
    update(this.v.write('grants'), g.id, (old) => ({
      ...old,
      scopes: g.scopes,
      status: g.status,
      expiresAt: g.expiresAt,
      revokedAt: g.revokedAt,
    }));
  }
}

export class MemoryFederation implements FederationReader, FederationWriter {
  constructor(private readonly v: View) {}
  async get(trustDomain: string) {
    return copy(this.v.table('federation').get(trustDomain));
  }
  async list() {
    return orderBy(this.v.table('federation').values(), [(d) => d.trustDomain]).map((d) => copy(d));
  }
  async upsert(d: FederatedDomainRecord) {
    const domains = this.v.write('federation');
    const old = domains.get(d.trustDomain);
    domains.set(d.trustDomain, stored(old ? { ...d, createdAt: old.createdAt } : d));
  }
  async delete(trustDomain: string) {
    return this.v.write('federation').delete(trustDomain);
  }
}
