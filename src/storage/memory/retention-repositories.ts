import type { PrunableKind, RetentionWriter } from '../../core/store/index.js';
import { limit, orderBy, type Rows, type TableName, type View } from './tables.js';

/** A kind that is one table and a condition on its rows. */
type Simple = Exclude<PrunableKind, 'task_tokens' | 'tasks'>;
const SIMPLE: { [K in Simple]: [TableName, (row: never, before: number) => boolean] } = {
  credentials: ['credentials', (c: { expiresAt: number }, before) => c.expiresAt < before],
  join_tokens: ['joinTokens', (t: { expiresAt: number }, before) => t.expiresAt < before],
  approvals: [
    'approvals',
    (a: { expiresAt: number; usedAt: number | null; decidedAt: number | null }, before) =>
      a.expiresAt < before && (a.usedAt ?? 0) < before && (a.decidedAt ?? 0) < before,
  ],
  grant_requests: [
    'grantRequests',
    (r: { expiresAt: number; decidedAt: number | null }, before) =>
      r.expiresAt < before && (r.decidedAt ?? 0) < before,
  ],
  grants: ['grants', (g: { expiresAt: number }, before) => g.expiresAt < before],
  human_sessions: ['humanSessions', (h: { expiresAt: number }, before) => h.expiresAt < before],
  replay: ['replay', (expiresAt: number, before) => expiresAt < before],
  signals: ['signals', (x: { expiresAt: number }, before) => x.expiresAt < before],
};

/** Retention, as ../sqlite/retention-repositories.ts does it: at most `limit` rows a call. */
export class MemoryRetention implements RetentionWriter {
  constructor(private readonly v: View) {}

  async prune(kind: PrunableKind, before: number, n: number) {
    if (kind === 'task_tokens') return this.#pruneTokens(before, n);
    if (kind === 'tasks') return this.#pruneTasks(before, n);
    const [name, over] = SIMPLE[kind];
    const rows = this.v.write(name) as Rows<unknown, never>;
    const keys = limit(
      [...rows.entries()].filter(([, row]) => over(row, before)).map(([key]) => key),
      n,
    );
    for (const key of keys) rows.delete(key);
    return keys.length;
  }

  #pruneTokens(before: number, n: number): number {
    // INVARIANT: a descendant never outlives its ancestor (exp only narrows), so a token that goes
    // takes no live token's revocation edge with it.
    const tokens = this.v.write('tokens');
    const edges = this.v.write('tokenEdges');
    const jtis = limit(
      orderBy(
        tokens.values().filter((t) => t.expiresAt < before),
        [(t) => t.expiresAt],
      ).map((t) => t.jti),
      n,
    );
    for (const jti of jtis) {
      for (const [key, e] of [...edges.entries()])
        if (e.jti === jti || e.ancestor === jti) edges.delete(key);
      tokens.delete(jti);
    }
    return jtis.length;
  }

  #pruneTasks(before: number, n: number): number {
    // INVARIANT: a task goes after every token of it and never while it is active; its session goes with it.
    const withTokens = new Set(
      this.v
        .table('tokens')
        .values()
        .map((t) => t.taskId),
    );
    const tasks = this.v.write('tasks');
    const ids = limit(
      tasks
        .values()
        .filter((t) => t.status !== 'active' && t.expiresAt < before && !withTokens.has(t.id))
        .map((t) => t.id),
      n,
    );
    const sessions = this.v.write('taskSessions');
    for (const id of ids) {
      tasks.delete(id);
      sessions.delete(id);
    }
    return ids.length;
  }

  async pruneAudit(seq: number, n: number) {
    const events = this.v.write('auditEvents');
    const seqs = limit(
      orderBy(
        events.values().filter((e) => e.seq < seq),
        [(e) => e.seq],
      ).map((e) => e.seq),
      n,
    );
    for (const s of seqs) events.delete(s);
    const checkpoints = this.v.write('auditCheckpoints');
    for (const c of checkpoints.values()) if (c.seq < seq) checkpoints.delete(c.seq);
    return seqs.length;
  }
}
