import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';

/**
 * Upstream tokens, cached until shortly before they expire, with single flight: concurrent
 * callers asking for the same key while no usable entry exists share one upstream request.
 * Failures are never cached. Bounded: at capacity, expired entries go first, then the least
 * recently used. Expiry is read from the injected clock here; the LRU only bounds the count.
 */

export interface Fetched<T> {
  value: T;
  /** Epoch ms until which the value may be served from the cache; null or past: not cached. */
  cacheUntil: number | null;
  /** Lets `forget(tag)` drop it early (a task id). */
  tag?: string;
}

interface Entry<T> {
  value: T;
  until: number;
  tag: string | undefined;
}

export class TokenCache<T> {
  readonly #entries: LRUCache<string, Entry<T>>;
  readonly #inflight = new Map<string, Promise<T>>();
  /** Bumped by `forget`, so a request that started before it does not fill the cache after it. */
  #generation = 0;

  constructor(
    private readonly clock: Clock,
    maxEntries = 1024,
  ) {
    this.#entries = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string, fetch: () => Promise<Fetched<T>>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && this.clock.now() < hit.until) return hit.value;
    if (hit) this.#entries.delete(key);
    const running = this.#inflight.get(key);
    if (running) return running;
    const generation = this.#generation;
    const request = (async () => {
      try {
        const fetched = await fetch();
        if (
          fetched.cacheUntil !== null &&
          fetched.cacheUntil > this.clock.now() &&
          generation === this.#generation
        )
          this.#put(key, { value: fetched.value, until: fetched.cacheUntil, tag: fetched.tag });
        return fetched.value;
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, request);
    return request;
  }

  /** Drops every entry tagged `tag` (all entries when undefined). */
  forget(tag?: string): void {
    this.#generation++;
    for (const [key, entry] of [...this.#entries.entries()])
      if (tag === undefined || entry.tag === tag) this.#entries.delete(key);
  }

  #put(key: string, entry: Entry<T>): void {
    if (this.#entries.size >= this.#entries.max && !this.#entries.has(key)) {
      const now = this.clock.now();
      for (const [k, e] of [...this.#entries.entries()])
        if (e.until <= now) this.#entries.delete(k);
    }
    this.#entries.set(key, entry);
  }
}

/** Longest margin before expiry at which a cached token is refreshed. */
export const REFRESH_MARGIN_MS = 30_000;

/**
 * When a token obtained at `now` and expiring at `expiresAt` should be refreshed: 30 s before
 * it expires, or once 90% of its lifetime has passed when that comes later (short tokens).
 */
export function refreshAt(now: number, expiresAt: number): number {
  return expiresAt - Math.min(REFRESH_MARGIN_MS, Math.floor((expiresAt - now) / 10));
}
