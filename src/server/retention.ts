import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AuditArchiver, archiveMark } from '../audit/archive.js';
import type { Clock } from '../core/clock.js';
import { PRUNABLE_KINDS, type PrunableKind, type Store } from '../core/store/index.js';
import { EXPIRY_GRACE_MS } from '../revocation/events.js';

export interface RetentionOptions {
  /** Seconds a record stays after it expired or ended, beyond the revocation tolerance. */
  expiredSeconds: number;
  /** Seconds audit events stay in the database; 0 keeps them all there. */
  auditSeconds: number;
  /** Rows deleted per transaction. */
  batch: number;
  dataDir: string;
}

export interface RetentionRun {
  /** Rows deleted, by kind (`audit_events` included). */
  deleted: Partial<Record<PrunableKind | 'audit_events', number>>;
  /** Archive files written (base names, `<first>-<last>`). */
  archived: string[];
}

/**
 * Deletes what is over (expired credentials, task tokens with their delegation edges, ended
 * tasks with their sessions, approvals, grant requests, grants, join tokens, human sessions,
 * replay entries, signals) once it is past its expiry by the revocation tolerance plus
 * `expiredSeconds`, and moves audit events older than `auditSeconds` into archive files before
 * their rows go. Each transaction deletes at most `batch` rows and the event loop gets a turn
 * between them, so a run never holds the write lock for long. A run that changed anything writes
 * one `retention.prune` event with the counts.
 */
export class Retention {
  readonly #archiver: AuditArchiver;
  #running: Promise<RetentionRun> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly options: RetentionOptions,
  ) {
    this.#archiver = new AuditArchiver(store, options.dataDir);
  }

  /** One run; a call while one is running joins it. */
  run(): Promise<RetentionRun> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Resolves once no run is in progress (before the store closes). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => undefined);
  }

  async #run(): Promise<RetentionRun> {
    const now = this.clock.now();
    // INVARIANT: nothing goes before its expiry plus the verifiers' clock tolerance, so no revoked
    // token, task or grant can be accepted again for want of its row.
    const before = now - EXPIRY_GRACE_MS - this.options.expiredSeconds * 1000;
    const deleted: RetentionRun['deleted'] = {};
    for (const kind of PRUNABLE_KINDS) {
      // The replay cache protects only until its own expiry; it needs no tolerance.
      const n = await this.#drain((limit) =>
        this.store.transaction((tx) =>
          tx.retention.prune(kind, kind === 'replay' ? now : before, limit),
        ),
      );
      if (n) deleted[kind] = n;
    }
    const archived: string[] = [];
    let mark: Awaited<ReturnType<typeof archiveMark>>;
    try {
      if (this.options.auditSeconds > 0) {
        const r = await this.#archiver.archive(now - this.options.auditSeconds * 1000);
        archived.push(...r.files);
      }
      mark = await archiveMark(this.store.read, this.options.dataDir);
      if (mark) {
        const seq = mark.seq;
        const n = await this.#drain((limit) =>
          this.store.transaction((tx) => tx.retention.pruneAudit(seq, limit)),
        );
        if (n) deleted.audit_events = n;
      }
    } catch (err) {
      // The run fails (its caller logs it once); what it did before is audited with why it stopped.
      const error = err instanceof Error ? err.message : 'unknown';
      await this.store
        .transaction((tx) =>
          tx.audit.append({
            actor: 'system',
            action: 'retention.prune',
            target: 'store',
            outcome: 'failure',
            requestId: null,
            details: { deleted, archived, before: new Date(before).toISOString(), error },
          }),
        )
        .catch(() => undefined);
      throw err;
    }
    if (Object.keys(deleted).length || archived.length) {
      await this.store.transaction((tx) =>
        tx.audit.append({
          actor: 'system',
          action: 'retention.prune',
          target: 'store',
          outcome: 'success',
          requestId: null,
          details: {
            deleted,
            archived,
            before: new Date(before).toISOString(),
            ...(mark ? { audit_archived_through: mark.seq } : {}),
          },
        }),
      );
    }
    return { deleted, archived };
  }

  async #drain(batch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await batch(this.options.batch);
      total += n;
      if (n < this.options.batch) return total;
      // Let requests waiting for the write queue in between batches.
      await yieldToEventLoop();
    }
  }
}
