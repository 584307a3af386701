import { every, type CancelTimer, type Clock } from '../core/clock.js';
import type { RevocationEventRecord, Store, StoreTx } from '../core/store/index.js';
import { EXPIRY_GRACE_MS } from './events.js';
import type { RegistryState, RevocationRegistry } from './registry.js';

/** What a subscriber is told, in order. */
export type BusMessage =
  | { type: 'revocation'; event: RevocationEventRecord }
  | { type: 'heartbeat'; seq: number; time: number }
  /** The bus is closing: end the stream. */
  | { type: 'close' };

/** Every unexpired revocation as of `seq` (the `snapshot` event of `GET /v1/events`). */
export interface RevocationSnapshot extends RegistryState {
  seq: number;
  time: number;
}

/** Where a new stream starts: a snapshot, or the events after the Last-Event-ID it gave. */
export type StreamStart = { snapshot: RevocationSnapshot } | { events: RevocationEventRecord[] };

export interface RevocationBusOptions {
  clock: Clock;
  /** Events kept in memory so that a stream can resume from its Last-Event-ID. */
  history: number;
  /** Between heartbeats (and catch-up reads of the store), ms. */
  heartbeatMs: number;
  /** Between compactions of the feed and the registry, ms. */
  compactMs?: number;
}

const PAGE = 10_000;

/**
 * The revocation bus: the one path revocations take after they commit. Every revoking code path
 * appends a row to the store's ordered feed (`tx.revocations.append`) in its own transaction; the
 * bus reads the committed rows in seq order, applies each to the in-memory registry, keeps the
 * recent ones for resuming streams, and fans them out to subscribers (`GET /v1/events`, later
 * SSF). The store returned by `follow` calls `sync` right after any transaction that appended
 * one, before the caller answers, so a revocation is enforced in process when it is
 * acknowledged; a periodic read catches up with anything else (another replica, in time).
 */
export class RevocationBus {
  readonly registry: RevocationRegistry;
  readonly #store: Store;
  readonly #opts: RevocationBusOptions;
  readonly #subscribers = new Set<(m: BusMessage) => void>();
  /** Recent events, oldest first, from #historyStart. */
  #history: RevocationEventRecord[] = [];
  #historyStart = 0;
  /**
   * A stream may resume from any Last-Event-ID in [#floor, #seq]: every event after it is in
   * #history. At start, the floor is the last seq missing from the stored feed: a row compacted
   * away (an agent's resume, say) may still matter to a client that saw an older one (its
   * suspension), so an id before it gets a snapshot. It moves up as history overflows.
   */
  #floor = 0;
  #seq = 0;
  #running: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;
  #timers: CancelTimer[] = [];
  #lastCompaction = 0;

  constructor(store: Store, registry: RevocationRegistry, opts: RevocationBusOptions) {
    this.#store = store;
    this.registry = registry;
    this.#opts = opts;
  }

  /** The seq of the last event applied. */
  get seq(): number {
    return this.#seq;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Loads every stored event into the registry and starts the heartbeat. */
  async start(): Promise<void> {
    this.registry.clear();
    this.#history = [];
    this.#historyStart = 0;
    this.#floor = 0;
    for (;;) {
      const page = await this.#store.read.revocations.list({ afterSeq: this.#seq, limit: PAGE });
      for (const e of page) {
        // Seqs are contiguous as appended: a gap is a compacted row.
        if (e.seq > this.#seq + 1) this.#floor = e.seq - 1;
        this.registry.apply(e);
        this.#remember(e);
        this.#seq = e.seq;
      }
      if (page.length < PAGE) break;
    }
    const head = await this.#store.read.revocations.head();
    if (head > this.#seq) {
      this.#floor = head;
      this.#seq = head;
    }
    this.registry.compact();
    this.#timers.push(every(this.#opts.clock, this.#opts.heartbeatMs, () => void this.#beat()));
  }

  /**
   * Reads the events committed since the last one applied, applies and fans them out. Calls made
   * while a read runs share the next read, which starts after they were made, so a caller that
   * committed before calling sees its event applied when this resolves.
   */
  sync(): Promise<void> {
    if (this.#queued) return this.#queued;
    const next = this.#running.then(() => {
      this.#queued = null;
      return this.#pull();
    });
    this.#queued = next;
    this.#running = next.catch(() => undefined);
    return next;
  }

  /** Subscribes to events and heartbeats; returns the unsubscribe function. */
  subscribe(listener: (m: BusMessage) => void): () => void {
    this.#subscribers.add(listener);
    return () => this.#subscribers.delete(listener);
  }

  /**
   * Where a stream that has seen `lastEventId` starts: the events after it when they are all
   * still in memory, else a snapshot. Synchronous, so a subscriber added just before misses
   * nothing and sees nothing twice: everything it is told has a higher seq.
   */
  streamStart(lastEventId: number | undefined): StreamStart {
    if (lastEventId !== undefined && lastEventId >= this.#floor && lastEventId <= this.#seq) {
      return { events: this.#history.slice(this.#historyStart).filter((e) => e.seq > lastEventId) };
    }
    return { snapshot: this.snapshot() };
  }

  snapshot(): RevocationSnapshot {
    const time = this.#opts.clock.now();
    return { seq: this.#seq, time, ...this.registry.state(time) };
  }

  /** Drops what no longer revokes anything from the store's feed and from the registry. */
  async compact(): Promise<number> {
    const now = this.#opts.clock.now();
    this.#lastCompaction = now;
    const rows = await this.#store.transaction((tx) =>
      tx.revocations.compact(now - EXPIRY_GRACE_MS),
    );
    this.registry.compact(now);
    return rows;
  }

  /**
   * The store every domain should use: after a transaction that appended revocation events
   * commits, it waits for `sync`, so the registry (and every stream) has them before the caller
   * answers.
   */
  follow(store: Store): Store {
    const sync = (): Promise<void> => this.sync();
    return {
      get dialect() {
        return store.dialect;
      },
      read: store.read,
      ping: () => store.ping(),
      close: () => store.close(),
      async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
        let appended = false;
        const result = await store.transaction((tx) => {
          const feed = tx.revocations;
          const watched: StoreTx['revocations'] = {
            list: (o) => feed.list(o),
            head: () => feed.head(),
            compact: (now) => feed.compact(now),
            append: (e) => {
              appended = true;
              return feed.append(e);
            },
          };
          return fn({ ...tx, revocations: watched });
        });
        // A failed read is retried by the heartbeat; the change itself has committed.
        if (appended) await sync().catch(() => undefined);
        return result;
      },
    };
  }

  /** Tells every subscriber that streams should end (the HTTP server is shutting down); they unsubscribe themselves. */
  disconnect(): void {
    this.#fanOut({ type: 'close' });
  }

  /** Stops the timers, tells every subscriber to close and forgets them. */
  close(): void {
    for (const stop of this.#timers) stop();
    this.#timers = [];
    this.disconnect();
    this.#subscribers.clear();
  }

  async #pull(): Promise<void> {
    for (;;) {
      const page = await this.#store.read.revocations.list({ afterSeq: this.#seq, limit: PAGE });
      for (const e of page) {
        this.registry.apply(e);
        this.#remember(e);
        this.#seq = e.seq;
        this.#fanOut({ type: 'revocation', event: e });
      }
      if (page.length < PAGE) return;
    }
  }

  #remember(e: RevocationEventRecord): void {
    if (this.#opts.history === 0) {
      this.#floor = e.seq;
      return;
    }
    this.#history.push(e);
    if (this.#history.length - this.#historyStart > this.#opts.history) {
      this.#floor = Math.max(this.#floor, this.#history[this.#historyStart]!.seq);
      this.#historyStart++;
      if (this.#historyStart > this.#opts.history) {
        this.#history = this.#history.slice(this.#historyStart);
        this.#historyStart = 0;
      }
    }
  }

  #fanOut(m: BusMessage): void {
    for (const s of this.#subscribers) {
      try {
        s(m);
      } catch {
        // one subscriber's failure never stops the others
      }
    }
  }

  async #beat(): Promise<void> {
    await this.sync().catch(() => undefined);
    const now = this.#opts.clock.now();
    this.#fanOut({ type: 'heartbeat', seq: this.#seq, time: now });
    if (now - this.#lastCompaction >= (this.#opts.compactMs ?? 60_000))
      await this.compact().catch(() => undefined);
  }
}
