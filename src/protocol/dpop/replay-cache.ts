import { ReplayCacheFullError } from '../errors.js';

/**
 * Remembers DPoP proof `jti`s (RFC 9449 §11.1) until a replay could no longer pass the proof's
 * `iat` window. Implement it over a shared store (Redis `SET NX PX`) when several replicas
 * protect one resource.
 *
 * @example
 * const replay: DpopReplayStore = {
 *   async checkAndRecord(key, expiresAt) {
 *     return (await redis.set(`dpop:${key}`, '1', { NX: true, PXAT: expiresAt })) === 'OK';
 *   },
 * };
 */
export interface DpopReplayStore {
  /** True if `key` was new and is now recorded until `expiresAt` (epoch ms); false if it was seen. */
  checkAndRecord(key: string, expiresAt: number): boolean | Promise<boolean>;
}

/**
 * An in-process `DpopReplayStore` holding at most `maxEntries` live keys (default 100,000).
 * Expired keys are dropped as it goes. When every slot holds a live key it throws
 * `ReplayCacheFullError` rather than forget one, since a forgotten key could be replayed: the
 * request fails closed.
 *
 * @example
 * const replay = new DpopReplayCache({ maxEntries: 50_000 });
 * app.use(mandateExpress({ verifier, replayCache: replay }));
 */
export class DpopReplayCache implements DpopReplayStore {
  /** key → expiresAt (epoch ms), in insertion order. */
  private readonly entries = new Map<string, number>();
  /** A lower bound on the earliest expiresAt held; a full sweep before it would find nothing. */
  private earliest = Infinity;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: { maxEntries?: number; now?: () => number } = {}) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(this.maxEntries) || this.maxEntries <= 0)
      throw new TypeError('maxEntries must be a positive integer');
    this.now = opts.now ?? Date.now;
  }

  /** Live keys held. */
  get size(): number {
    return this.entries.size;
  }

  checkAndRecord(key: string, expiresAt: number): boolean {
    if (!Number.isFinite(expiresAt))
      throw new TypeError('a replay cache expiry must be a finite epoch-ms time');
    const now = this.now();
    const seen = this.entries.get(key);
    // INVARIANT: a key is live through its expiresAt inclusive; DpopVerifier sizes expiresAt so
    // that it covers the last instant at which the same proof would still pass its iat check.
    if (seen !== undefined && now <= seen) return false;
    if (seen !== undefined) this.entries.delete(key);
    this.dropExpiredFront(now);
    if (this.entries.size >= this.maxEntries) this.sweep(now);
    if (this.entries.size >= this.maxEntries) throw new ReplayCacheFullError();
    this.entries.set(key, expiresAt);
    this.earliest = Math.min(this.earliest, expiresAt);
    return true;
  }

  /** Cheap and usually enough: entries mostly arrive in expiry order. */
  private dropExpiredFront(now: number): void {
    for (const [key, expiresAt] of this.entries) {
      if (now <= expiresAt) return;
      this.entries.delete(key);
    }
  }

  /** A full pass, only when the cache is full and something may have expired since the last one. */
  private sweep(now: number): void {
    if (now <= this.earliest) return;
    let earliest = Infinity;
    for (const [key, expiresAt] of this.entries) {
      if (now > expiresAt) this.entries.delete(key);
      else earliest = Math.min(earliest, expiresAt);
    }
    this.earliest = earliest;
  }
}
