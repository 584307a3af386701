import { LRUCache } from 'lru-cache';
import type { Clock } from '../../core/clock.js';

/**
 * Per-agent token buckets, one per (service, agent): a bucket holds up to `burst` requests and
 * refills at `perMinute` a minute; a request takes one or is refused with how long until one is
 * back. In memory, per process: replicas each enforce their own limit. At most `maxBuckets` are
 * kept; beyond that the least recently used is dropped (it comes back full, which is the state a
 * bucket unused that long would be in anyway, unless the limit is very low).
 */

export interface BucketLimit {
  perMinute: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  readonly #clock: Clock;
  readonly #buckets: LRUCache<string, Bucket>;

  constructor(clock: Clock, maxBuckets = 100_000) {
    this.#clock = clock;
    this.#buckets = new LRUCache({ max: maxBuckets });
  }

  /** Takes one token of `key`'s bucket: `{ ok: true }`, or the whole seconds to wait (at least 1). */
  take(key: string, limit: BucketLimit): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.#clock.now();
    const ratePerMs = limit.perMinute / 60_000;
    const held = this.#buckets.get(key);
    const elapsed = held ? Math.max(0, now - held.at) : 0;
    const tokens = held ? Math.min(limit.burst, held.tokens + elapsed * ratePerMs) : limit.burst;
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now });
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000)),
      };
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    return { ok: true };
  }
}
