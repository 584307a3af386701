import type { PrunableKind, RetentionWriter } from '../../core/store/index.js';
import { limit, orderBy, type Rows, type View } from './tables.js';

/** Retention, as ../sqlite/retention-repositories.ts does it: at most `limit` rows a call. */
export class MemoryRetention implements RetentionWriter {
  constructor(private readonly v: View) {}

  async prune(kind: PrunableKind, before: number, n: number) {
    const expired = ({ expiresAt }: { expiresAt: number }) => expiresAt < before;
    switch (kind) {
      case 'task_tokens':
        return this.#pruneTokens(before, n);
      case 'tasks':
        return this.#pruneTasks(before, n);
      case 'credentials':
        return first(this.v.write('credentials'), expired, n);
      case 'join_tokens':
        return first(this.v.write('joinTokens'), expired, n);
      // Answered or used at or after the cutoff: kept, whatever the expiry.
      case 'approvals':
        return first(
          this.v.write('approvals'),
          (a) => expired(a) && (a.usedAt ?? 0) < before && (a.decidedAt ?? 0) < before,
          n,
        );
      case 'grant_requests':
        return first(
          this.v.write('grantRequests'),
          (r) => expired(r) && (r.decidedAt ?? 0) < before,
          n,
        );
      case 'grants':
        return first(this.v.write('grants'), expired, n);
      case 'human_sessions':
        return first(this.v.write('humanSessions'), expired, n);
      case 'replay':
        return first(this.v.write('replay'), (expiresAt) => expiresAt < before, n);
      case 'signals':
        return first(this.v.write('signals'), expired, n);
    }
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

/** Deletes the first `n` rows `over` picks; returns how many. */
function first<K, V>(rows: Rows<K, V>, over: (row: V) => boolean, n: number): number {
  const keys = limit(
    [...rows.entries()].filter(([, row]) => over(row)).map(([key]) => key),
    n,
  );
  for (const key of keys) rows.delete(key);
  return keys.length;
}
