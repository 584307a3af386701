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
 * Expired keys are dropped as it goes. When every slot holds a live key it throws rather than
 * forget one, since a forgotten key could be replayed: the request fails closed.
 *
 * @example
 * const replay = new DpopReplayCache({ maxEntries: 50_000 });
 * app.use(mandateExpress({ verifier, replayCache: replay }));
 */
export class DpopReplayCache implements DpopReplayStore {
  /** key → expiresAt (epoch ms), in insertion order. */
  private readonly entries = new Map<string, number>();
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
    const now = this.now();
    const seen = this.entries.get(key);
    // INVARIANT: a key is live through its expiresAt inclusive.
    if (seen !== undefined && now <= seen) return false;
    this.entries.delete(key);
    // Entries mostly arrive in expiry order, so dropping from the front is usually enough.
    for (const [k, until] of this.entries) {
      if (now <= until) break;
      this.entries.delete(k);
    }
    if (this.entries.size >= this.maxEntries) {
      for (const [k, until] of this.entries) if (now > until) this.entries.delete(k);
    }
    if (this.entries.size >= this.maxEntries)
      throw new Error(
        'the dpop replay cache is full of live proofs; refusing rather than forgetting one',
      );
    this.entries.set(key, expiresAt);
    return true;
  }
}
