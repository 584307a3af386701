import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { Store, TaskRecord, TaskTokenRecord } from '../core/store/index.js';

export interface TaskTree {
  task: TaskRecord;
  tokens: TaskTokenRecord[];
}

/**
 * The task lifecycle: a task ends when its agent or an admin says so, or when it expires;
 * either way every token issued under it is revoked, and a `task` revocation event appended, in
 * the same transaction.
 */
export class TaskService {
  private readonly finishedListeners: ((taskId: string) => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The task, or undefined when there is none. */
  find(id: string): Promise<TaskRecord | undefined> {
    return this.store.read.tasks.get(id);
  }

  async get(id: string): Promise<TaskTree> {
    const task = await this.find(id);
    if (!task) throw new MandateError('not_found', `task \`${id}\` does not exist`);
    return { task, tokens: await this.store.read.tokens.listByTask(id) };
  }

  list(
    filter: { agent?: string; status?: TaskRecord['status']; limit?: number } = {},
  ): Promise<TaskRecord[]> {
    return this.store.read.tasks.list(filter);
  }

  /** Calls `listener(taskId)` after a task ends or expires, for per-task state held in memory elsewhere. */
  onFinish(listener: (taskId: string) => void): void {
    this.finishedListeners.push(listener);
  }

  /** Ends a task and revokes its tokens. `by` is `admin` or the agent's SPIFFE ID. */
  async end(id: string, by: string, ctx: RequestContext): Promise<TaskRecord> {
    return this.finish(id, 'ended', by, ctx);
  }

  /** Marks due tasks expired (and their tokens revoked); returns how many. */
  async expireDue(limit = 500): Promise<number> {
    const due = await this.store.read.tasks.listExpired(this.clock.now(), limit);
    for (const t of due)
      await this.finish(t.id, 'expired', 'system', { actor: 'system', requestId: null }).catch(
        () => undefined,
      );
    return due.length;
  }

  private async finish(
    id: string,
    status: 'ended' | 'expired',
    by: string,
    ctx: RequestContext,
  ): Promise<TaskRecord> {
    const now = this.clock.now();
    const result = await this.store.transaction(async (tx) => {
      const task = await tx.tasks.get(id);
      if (!task) throw new MandateError('not_found', `task \`${id}\` does not exist`);
      if (task.status !== 'active') return { task, revoked: [] as string[] };
      await tx.tasks.finish(id, status, now, by);
      const revoked = await tx.tokens.revokeTask(id, now, by);
      // Every token of the task carries its id: one event revokes them all, wherever they are checked.
      // A risk signal's response names the signal (`signal:<kind>`), so receivers can tell it from an admin's end.
      const cause =
        status === 'expired' ? 'task.expire' : by.startsWith('signal:') ? by : 'task.end';
      await tx.revocations.append({
        kind: 'task',
        subject: id,
        at: now,
        expiresAt: task.expiresAt,
        cause,
      });
      await tx.audit.append({
        actor: ctx.actor,
        action: status === 'ended' ? 'task.end' : 'task.expire',
        target: `task:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { by, revokedTokens: revoked.length },
      });
      return { task: { ...task, status, endedAt: now, endedBy: by }, revoked };
    });
    for (const listener of this.finishedListeners) listener(id);
    return result.task;
  }
}
