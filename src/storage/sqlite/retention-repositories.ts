import type { PrunableKind, RetentionWriter } from '../../core/store/index.js';
import type { Statements } from './statements.js';

/**
 * One bounded DELETE per kind: the rowids are chosen with a LIMIT first, so one call holds the
 * write lock for at most `limit` rows (indexes from migration 13 keep the choice cheap).
 */
const SIMPLE: Record<Exclude<PrunableKind, 'task_tokens'>, string> = {
  // INVARIANT: a task row goes after every token of it (foreign key) and never while it is active.
  tasks:
    "SELECT rowid FROM tasks WHERE status <> 'active' AND expires_at < @before AND NOT EXISTS (SELECT 1 FROM task_tokens t WHERE t.task_id = tasks.id) LIMIT @limit",
  credentials: 'SELECT rowid FROM credentials WHERE expires_at < @before LIMIT @limit',
  join_tokens: 'SELECT rowid FROM join_tokens WHERE expires_at < @before LIMIT @limit',
  approvals:
    'SELECT rowid FROM approvals WHERE expires_at < @before AND COALESCE(used_at, 0) < @before AND COALESCE(decided_at, 0) < @before LIMIT @limit',
  grant_requests:
    'SELECT rowid FROM grant_requests WHERE expires_at < @before AND COALESCE(decided_at, 0) < @before LIMIT @limit',
  grants: 'SELECT rowid FROM grants WHERE expires_at < @before LIMIT @limit',
  human_sessions: 'SELECT rowid FROM human_sessions WHERE expires_at < @before LIMIT @limit',
  replay: 'SELECT rowid FROM replay_cache WHERE expires_at < @before LIMIT @limit',
  signals: 'SELECT rowid FROM signals WHERE expires_at < @before LIMIT @limit',
};
const TABLE: Record<Exclude<PrunableKind, 'task_tokens'>, string> = {
  tasks: 'tasks',
  credentials: 'credentials',
  join_tokens: 'join_tokens',
  approvals: 'approvals',
  grant_requests: 'grant_requests',
  grants: 'grants',
  human_sessions: 'human_sessions',
  replay: 'replay_cache',
  signals: 'signals',
};

export class SqliteRetention implements RetentionWriter {
  constructor(private readonly s: Statements) {}

  async prune(kind: PrunableKind, before: number, limit: number) {
    if (kind === 'task_tokens') return this.pruneTokens(before, limit);
    return this.s.run(`DELETE FROM ${TABLE[kind]} WHERE rowid IN (${SIMPLE[kind]})`, {
      before,
      limit,
    }).changes;
  }

  private pruneTokens(before: number, limit: number): number {
    // INVARIANT: a descendant never outlives its ancestor (exp only narrows), so a token that goes
    // takes no live token's revocation edge with it.
    const jtis = this.s
      .all<{ jti: string }>(
        'SELECT jti FROM task_tokens WHERE expires_at < ? LIMIT ?',
        before,
        limit,
      )
      .map((r) => r.jti);
    for (const jti of jtis) {
      this.s.run('DELETE FROM task_token_ancestors WHERE jti = ?', jti);
      this.s.run('DELETE FROM task_token_ancestors WHERE ancestor = ?', jti);
      this.s.run('DELETE FROM task_tokens WHERE jti = ?', jti);
    }
    return jtis.length;
  }

  async pruneAudit(seq: number, limit: number) {
    const n = this.s.run(
      'DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE seq < ? ORDER BY seq LIMIT ?)',
      seq,
      limit,
    ).changes;
    this.s.run('DELETE FROM audit_checkpoints WHERE seq < ?', seq);
    return n;
  }
}
