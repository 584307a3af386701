import { every, type CancelTimer, type Clock } from '../core/clock.js';
import type { Signal, SignalBook } from './signals.js';

/**
 * The risk of a task (`task` set) or of an agent moved from `previous` to `current` (0..100):
 * raised by `signal`, or fallen back because signals expired (no `signal`).
 */
export interface RiskChange {
  task: string | null;
  agent: string;
  previous: number;
  current: number;
  /** Why: the signal's reason (else its kind), or `signals expired`. */
  reason: string;
  /** Milliseconds since the epoch. */
  at: number;
  signal?: Signal;
}

/** How often `start` sweeps for risks that fell back as their signals expired. */
export const RISK_SWEEP_INTERVAL_MS = 1_000;

type Subject = { task: string | null; agent: string };

const keyOf = (s: Subject): string => (s.task !== null ? `task:${s.task}` : `agent:${s.agent}`);

/**
 * Tells `onChange` how the risk of each task and agent moves, as SSF receivers see them: a task's
 * own signals (the agent's count in the task's decisions, and are told as the agent's), an
 * agent's own. A raise is told when its signal is kept; a fall by `sweep`, since expiry is lazy.
 * Each change is measured against what was last told, so no level is left standing at a receiver.
 */
export class RiskChanges {
  /** The last risk told per task or agent, while above 0. */
  readonly #told = new Map<string, Subject & { risk: number }>();
  #sweeper: CancelTimer | undefined;

  constructor(
    private readonly book: SignalBook,
    private readonly clock: Clock,
    private readonly onChange: (change: RiskChange) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** After `signal` was kept in the book. */
  added(signal: Signal, now: number): void {
    const subject = { task: signal.task, agent: signal.agent ?? '' };
    this.#update(subject, now, signal.reason ?? signal.kind, signal.at, signal);
  }

  /** A stored signal at start: its risk was told before the restart, at the latest when it arrived. */
  toldBefore(signal: Signal): void {
    const subject = { task: signal.task, agent: signal.agent ?? '' };
    const key = keyOf(subject);
    const risk = Math.max(this.#told.get(key)?.risk ?? 0, signal.risk);
    if (risk > 0) this.#told.set(key, { ...subject, risk });
  }

  /** Tells each task or agent whose risk fell since it was last told. */
  sweep(): void {
    const now = this.clock.now();
    for (const told of [...this.#told.values()]) this.#update(told, now, 'signals expired', now);
  }

  /** An ended task is told as revoked, not as a falling risk. */
  forgetTask(taskId: string): void {
    this.#told.delete(`task:${taskId}`);
  }

  /** Sweeps every `RISK_SWEEP_INTERVAL_MS` (without keeping the process alive) until `close`. */
  start(): void {
    if (this.#sweeper) return;
    this.#sweeper = every(this.clock, RISK_SWEEP_INTERVAL_MS, () => this.sweep());
  }

  close(): void {
    this.#sweeper?.();
    this.#sweeper = undefined;
  }

  #update(subject: Subject, now: number, reason: string, at: number, signal?: Signal): void {
    const key = keyOf(subject);
    const previous = this.#told.get(key)?.risk ?? 0;
    const current = this.book.ownRisk(subject, now);
    if (current === previous) return;
    if (current === 0) this.#told.delete(key);
    else this.#told.set(key, { task: subject.task, agent: subject.agent, risk: current });
    try {
      this.onChange({ ...subject, previous, current, reason, at, ...(signal ? { signal } : {}) });
    } catch (err) {
      this.onError(err);
    }
  }
}
