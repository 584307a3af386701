import type { AuditEventInput, AuditEventRecord, Store } from '../core/store/index.js';

/**
 * Group commit for audit events on the hot path (issue 4, item 9). `append` queues an event and
 * resolves only once the transaction that holds it has committed, so an acknowledged event
 * survives a crash; events that arrive while a transaction is being written go into the next
 * one, up to `maxBatch` per transaction. A failed transaction rejects exactly the callers whose
 * events it held (none of them was written: the transaction is all or nothing).
 *
 * @example
 * const audit = new BatchedAuditAppender(store);
 * await Promise.all(events.map((e) => audit.append(e))); // one or a few transactions
 */

export interface BatchedAuditAppenderOptions {
  /** Events per transaction at most. Default 256. */
  maxBatch?: number;
}

interface Pending {
  event: AuditEventInput;
  resolve: (record: AuditEventRecord) => void;
  reject: (err: unknown) => void;
}

export class BatchedAuditAppender {
  readonly #store: Store;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #running: Promise<void> | null = null;
  #transactions = 0;
  #events = 0;

  constructor(store: Store, opts: BatchedAuditAppenderOptions = {}) {
    const max = opts.maxBatch ?? 256;
    if (!Number.isInteger(max) || max < 1)
      throw new TypeError('maxBatch must be a positive integer');
    this.#store = store;
    this.#maxBatch = max;
  }

  /** Queues one event; resolves with it as stored once its transaction committed. */
  append(event: AuditEventInput): Promise<AuditEventRecord> {
    return new Promise<AuditEventRecord>((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      // The first append of a quiet period starts the writer after the current tick, so that
      // the appends made in the same tick share its first transaction.
      this.#running ??= new Promise<void>((done) => queueMicrotask(done)).then(() => this.#drain());
    });
  }

  /** Transactions written and events committed so far. */
  get stats(): { transactions: number; events: number } {
    return { transactions: this.#transactions, events: this.#events };
  }

  /** Resolves once everything queued so far is written (or has failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          const records = await this.#store.transaction(async (tx) => {
            const out: AuditEventRecord[] = [];
            for (const p of batch) out.push(await tx.audit.append(p.event));
            return out;
          });
          this.#transactions++;
          this.#events += records.length;
          batch.forEach((p, i) => p.resolve(records[i]!));
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#running = null;
    }
  }
}
