/** Stops a scheduled timer; calling it again does nothing. */
export type CancelTimer = () => void;

/** Time source, injected so that tests can control it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Runs `fn` once, `ms` from now, without keeping the process alive. Optional: a clock without
   * it (a wrapper that only shifts `now`) schedules on the system timers; use `after`.
   */
  setTimeout?(fn: () => void, ms: number): CancelTimer;
  /** Runs `fn` every `ms`, without keeping the process alive, until cancelled; use `every`. */
  setInterval?(fn: () => void, ms: number): CancelTimer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

/** Whole seconds since the epoch, as JWT `iat`/`exp` use. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/**
 * Runs `fn` once after `ms` on `clock`'s timers (a ManualClock fires it when advanced past it),
 * or on the system's when the clock has none. Every timer that drives behaviour goes through
 * here or `every`, so that tests move it with the clock instead of waiting on wall time.
 */
export function after(clock: Clock, ms: number, fn: () => void): CancelTimer {
  return (clock.setTimeout ?? systemClock.setTimeout!).call(clock, fn, ms);
}

/** Runs `fn` every `ms` on `clock`'s timers (see `after`). */
export function every(clock: Clock, ms: number, fn: () => void): CancelTimer {
  return (clock.setInterval ?? systemClock.setInterval!).call(clock, fn, ms);
}

interface ManualTimer {
  id: number;
  due: number;
  /** Interval period; undefined for a one-shot timer. */
  period: number | undefined;
  fn: () => void;
}

/**
 * A clock tests can move by hand. Its timers fire only from `advance` and `set`, in the order
 * they fall due, each with `now()` at its due time. An interval that fell behind by several
 * periods fires once, as the system's does after a stalled event loop: advancing a day does not
 * run an hourly job 24 times over.
 */
export class ManualClock implements Clock {
  #timers = new Map<number, ManualTimer>();
  #nextId = 1;

  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.set(this.ms + ms);
  }

  set(ms: number): void {
    // Each timer due by `ms` fires once per call: one rescheduled (an interval, or a timeout that
    // sets another) falls due after `ms`, or waits for the next advance.
    const due = [...this.#timers.values()]
      .filter((t) => t.due <= ms)
      .sort((a, b) => a.due - b.due || a.id - b.id);
    for (const t of due) {
      if (!this.#timers.has(t.id)) continue; // cancelled by an earlier one
      this.ms = Math.max(this.ms, t.due);
      if (t.period === undefined) this.#timers.delete(t.id);
      else t.due += t.period * (Math.floor((ms - t.due) / t.period) + 1);
      t.fn();
    }
    this.ms = ms;
  }

  /** Timers waiting to fire (tests check that a component stopped its own). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  setTimeout(fn: () => void, ms: number): CancelTimer {
    return this.#add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): CancelTimer {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  #add(fn: () => void, ms: number, period: number | undefined): CancelTimer {
    const id = this.#nextId++;
    // As Node does, a delay under 1 ms is 1 ms: a timer never fires in the call that sets it.
    this.#timers.set(id, { id, due: this.ms + Math.max(1, ms), period, fn });
    return () => void this.#timers.delete(id);
  }
}
