import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { Store } from '../core/store/index.js';
import { failClosedSession, sessionFromRecord, sessionRecord } from './session-record.js';
import { emptySession, type SessionState } from './session-state.js';

/**
 * Every task's session state: the most recently used in memory (a hit costs a Map lookup), all
 * of them in the store, so that a task pushed out of memory or a restart never starts over
 * untainted (issue 12, item 5).
 *
 * - A miss is read back from the store before the call is decided (`load`). A row that cannot be
 *   read (store error, damaged row) counts as tainted at the top classification
 *   (`failClosedSession`) for that call; nothing is cached, so the next call reads again.
 * - A change that policy can see grow (the taint rises, a tool is called or an external host
 *   reached for the first time) is written before the call is answered: `record` returns a
 *   promise the caller awaits beside its audit event. Such writes made in the same tick share one
 *   transaction. So a missing row means nothing that matters happened in the task.
 * - Counters and the rate window are written at most `flushDelayMs` later, and on `close`: a
 *   crash loses at most that much of them.
 * - A state recorded but not written yet stays in memory even when the cache drops it.
 *
 * Without a store (unit tests, in-process tools) it is a plain LRU: a miss is an empty session.
 */

export interface SessionStatesOptions {
  /** Where every session is kept. None: memory only. */
  store?: Pick<Store, 'read' | 'transaction'>;
  /** Sessions kept in memory; the least recently used leaves beyond (the store still has it). Default 10,000. */
  capacity?: number;
  /** How long a change policy cannot see grow (counters, the rate window) may wait to be written. Default 1000 ms. */
  flushDelayMs?: number;
  clock?: Clock;
  /** Runs the delayed write (default: an unref'd `setTimeout`); tests fire it by hand. */
  timer?: (fn: () => void, ms: number) => { cancel(): void };
}

const unrefTimeout = (fn: () => void, ms: number): { cancel(): void } => {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
};

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A change a policy could branch on: the taint rose, or a tool or an external host was seen for the first time. */
function grows(before: SessionState, after: SessionState): boolean {
  return (
    after.highestClassificationRank > before.highestClassificationRank ||
    after.toolsCalled.size > before.toolsCalled.size ||
    after.externalDestinations.size > before.externalDestinations.size
  );
}

export class SessionStates {
  readonly #store: SessionStatesOptions['store'];
  readonly #flushDelayMs: number;
  readonly #clock: Clock;
  readonly #cache: LRUCache<string, SessionState>;
  /** Recorded, not yet written; kept until written even when the cache drops them. */
  readonly #dirty = new Map<string, SessionState>();
  readonly #deletes = new Set<string>();
  /** Tasks with a change policy can see grow that is not stored yet: their next calls wait for it too. */
  readonly #unstored = new Set<string>();
  readonly #loading = new Map<string, Promise<SessionState>>();
  /** Stand-ins for sessions that could not be read: what is decided on them is not kept. */
  readonly #standIns = new WeakSet<SessionState>();
  #waiters: Waiter[] = [];
  #running: Promise<void> | null = null;
  readonly #setTimer: NonNullable<SessionStatesOptions['timer']>;
  #timer: { cancel(): void } | null = null;
  #closed = false;

  constructor(opts: SessionStatesOptions = {}) {
    const capacity = opts.capacity ?? 10_000;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new TypeError('capacity must be a positive integer');
    this.#store = opts.store;
    this.#cache = new LRUCache({ max: capacity });
    this.#flushDelayMs = opts.flushDelayMs ?? 1000;
    this.#clock = opts.clock ?? systemClock;
    this.#setTimer = opts.timer ?? unrefTimeout;
  }

  /** Sessions in memory now. */
  get size(): number {
    return this.#cache.size;
  }

  /** Sessions recorded but not written yet, and deletions not written yet. */
  get pending(): number {
    return this.#dirty.size + this.#deletes.size;
  }

  /** The task's session if it is in memory (marked most recently used), else undefined: then `load`. */
  get(taskId: string): SessionState | undefined {
    const state = this.#cache.get(taskId) ?? this.#dirty.get(taskId);
    if (state !== undefined) this.#cache.set(taskId, state);
    return state;
  }

  /**
   * The task's session from the store (an empty one when none is stored), now in memory. When it
   * cannot be read: a stand-in tainted at the top classification, not kept. Concurrent loads of
   * one task share one read.
   */
  load(taskId: string): Promise<SessionState> {
    const store = this.#store;
    if (!store) return Promise.resolve(this.get(taskId) ?? emptySession(taskId));
    let loading = this.#loading.get(taskId);
    if (!loading) {
      loading = this.#read(store, taskId).finally(() => this.#loading.delete(taskId));
      this.#loading.set(taskId, loading);
    }
    return loading;
  }

  async #read(
    store: NonNullable<SessionStatesOptions['store']>,
    taskId: string,
  ): Promise<SessionState> {
    let state: SessionState;
    try {
      const record = await store.read.taskSessions.get(taskId);
      state = record ? sessionFromRecord(record) : emptySession(taskId);
    } catch {
      const standIn = failClosedSession(taskId);
      this.#standIns.add(standIn);
      return standIn;
    }
    // A call recorded while the row was being read is newer than the row.
    const current = this.get(taskId);
    if (current !== undefined) return current;
    this.#cache.set(taskId, state);
    return state;
  }

  /**
   * Records the state after a decision on `before`. Returns a promise that resolves once the
   * change is durable when policy could see it grow (await it before answering), else null.
   * Nothing is kept when `before` was a stand-in for a session that could not be read.
   */
  record(taskId: string, before: SessionState, after: SessionState): Promise<void> | null {
    if (this.#standIns.has(before)) return null;
    this.#cache.set(taskId, after);
    if (!this.#store) return null;
    this.#dirty.set(taskId, after);
    // INVARIANT: no call is answered while a growth of its task is only in memory (a write that
    // failed, then a repeat call that grows nothing): a crash would forget what it was decided on.
    if (grows(before, after) || this.#unstored.has(taskId)) {
      this.#unstored.add(taskId);
      return this.#writeSoon();
    }
    this.#schedule();
    return null;
  }

  /** Drops the task's session, here and in the store (the task ended). */
  forget(taskId: string): void {
    this.#cache.delete(taskId);
    if (!this.#store) return;
    this.#dirty.delete(taskId);
    this.#unstored.delete(taskId);
    this.#deletes.add(taskId);
    this.#schedule();
  }

  /** Writes everything recorded so far; resolves when done or failed (`pending` tells what is left). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    if (this.pending === 0 || !this.#store) return;
    await this.#start();
  }

  /** Stops the timer and writes everything recorded (call before the store closes). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.flush();
  }

  #writeSoon(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      void this.#start();
    });
  }

  /**
   * Starts writing unless it is under way. After the current tick, so that the changes recorded in
   * it share one transaction, and so that `#running` is set before `#drain` can clear it.
   */
  #start(): Promise<void> {
    return (this.#running ??= new Promise<void>((done) => queueMicrotask(done)).then(() =>
      this.#drain(),
    ));
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = this.#setTimer(() => {
      this.#timer = null;
      void this.#start();
    }, this.#flushDelayMs);
  }

  async #drain(): Promise<void> {
    let failed = false;
    try {
      // After a failure, only callers waiting for durability make it try again; the timer retries the rest.
      while (this.#waiters.length > 0 || (!failed && this.pending > 0))
        failed = !(await this.#writeOnce());
    } finally {
      // INVARIANT: #drain only runs through #start, which set #running before it; it is cleared in the
      // same tick as the last check of the loop, so a waiter added after that starts a new drain.
      this.#running = null;
      if (this.pending > 0) this.#schedule();
    }
  }

  /** One transaction with everything recorded so far; true when it committed. */
  async #writeOnce(): Promise<boolean> {
    const store = this.#store as NonNullable<SessionStatesOptions['store']>;
    // INVARIANT: every waiter taken here recorded its state into #dirty before this point.
    const waiters = this.#waiters.splice(0);
    const batch = [...this.#dirty];
    const deletes = [...this.#deletes];
    this.#deletes.clear();
    const now = this.#clock.now();
    try {
      await store.transaction(async (tx) => {
        for (const [, state] of batch) await tx.taskSessions.upsert(sessionRecord(state, now));
        for (const taskId of deletes) await tx.taskSessions.delete(taskId);
      });
    } catch (cause) {
      for (const taskId of deletes) this.#deletes.add(taskId);
      const err = new MandateError(
        'unavailable',
        'the session state of this task could not be stored; the call is refused',
        undefined,
        { cause },
      );
      for (const w of waiters) w.reject(err);
      return false;
    }
    // A state recorded again while this one was written stays dirty.
    for (const [taskId, state] of batch) {
      if (this.#dirty.get(taskId) !== state) continue;
      this.#dirty.delete(taskId);
      this.#unstored.delete(taskId);
    }
    for (const w of waiters) w.resolve();
    return true;
  }
}
