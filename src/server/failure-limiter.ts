import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import { ipv6Groups } from '../core/network.js';

/**
 * Counts failed attempts per key (a client address) in a sliding window: after `limit` failures
 * within `windowMs`, the key is refused until the oldest of them leaves the window. Only
 * failures count, and only the key's own: another key's success or failure changes nothing.
 *
 * Memory is bounded: at most `maxKeys` keys are tracked, each with at most `limit` timestamps;
 * when a new key would pass the bound, keys whose failures have all left the window go first,
 * then the least recently failing ones. (Flooding from more than `maxKeys` addresses within a
 * window can therefore free a key early; every address still gets at most `limit` tries before
 * its entry is pushed out.)
 */

export interface FailureLimiterOptions {
  clock: Clock;
  limit?: number;
  windowMs?: number;
  maxKeys?: number;
}

export class FailureLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #clock: Clock;
  /** key → failure times (ms), oldest first; only `fail` sets, so the LRU order is by last failure. */
  readonly #failures: LRUCache<string, number[]>;

  constructor(o: FailureLimiterOptions) {
    this.#clock = o.clock;
    this.limit = o.limit ?? 5;
    this.windowMs = o.windowMs ?? 60_000;
    this.#failures = new LRUCache({ max: o.maxKeys ?? 10_000 });
  }

  /** Seconds until `key` may try again (for `Retry-After`), or 0 when it may try now. */
  retryAfter(key: string): number {
    const recent = this.#recent(key);
    if (recent.length < this.limit) return 0;
    return Math.max(
      1,
      Math.ceil((recent[recent.length - this.limit]! + this.windowMs - this.#clock.now()) / 1000),
    );
  }

  /**
   * Records a failed attempt by `key`; returns its time, for `forgive`. Record an attempt before
   * checking it and forgive it when it succeeds, so that concurrent guesses are counted before
   * any of them is checked, however slow the check.
   */
  fail(key: string): number {
    const now = this.#clock.now();
    const recent = [...this.#recent(key), now].slice(-this.limit);
    if (this.#failures.size >= this.#failures.max && !this.#failures.has(key)) this.#dropQuiet();
    this.#failures.set(key, recent);
    return now;
  }

  /** Takes back the attempt `fail` recorded at `at` (it succeeded). */
  forgive(key: string, at: number): void {
    const times = this.#failures.peek(key);
    const i = times?.lastIndexOf(at) ?? -1;
    if (i < 0) return;
    times!.splice(i, 1);
    if (times!.length === 0) this.#failures.delete(key);
  }

  get size(): number {
    return this.#failures.size;
  }

  #recent(key: string): number[] {
    const since = this.#clock.now() - this.windowMs;
    return (this.#failures.peek(key) ?? []).filter((t) => t > since);
  }

  /** Drops the keys whose failures have all left the window; the LRU then drops the least recently failing. */
  #dropQuiet(): void {
    const since = this.#clock.now() - this.windowMs;
    for (const [k, times] of [...this.#failures.entries()])
      if (times[times.length - 1]! <= since) this.#failures.delete(k);
  }
}

/**
 * The limiter key of a client address: an IPv4 address as itself (an IPv4-mapped IPv6 address
 * too, in any spelling), an IPv6 address by its /64. One subscriber is routinely given a whole
 * /64 (RFC 6177), so keying by the full address would give every client 2^64 fresh counts.
 */
export function clientKey(ip: string): string {
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
