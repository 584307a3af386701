import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';

/**
 * Remembers single-use values (DPoP `jti`s, RFC 9449 §11.1) until they expire.
 *
 * @example
 * ```ts
 * if (!(await cache.checkAndRecord(`${jkt}:${jti}`, clock.now() + 65_000))) throw replayed();
 * ```
 */
export interface ReplayCache {
  /** True if the key was new and is now recorded until expiresAt (epoch ms); false if seen. */
  checkAndRecord(key: string, expiresAt: number): Promise<boolean>;
}

/**
 * A single-process replay cache with at most `maxEntries` live keys. Expired keys are dropped as
 * it goes. When every slot holds a live key it refuses with `unavailable` rather than forgetting
 * one, since forgetting a live key would let its proof be replayed.
 */
export class MemoryReplayCache implements ReplayCache {
  /** key → expiresAt (epoch ms), in insertion order. */
  private readonly entries = new Map<string, number>();
  /** A lower bound on the earliest expiresAt held; a full sweep before it would find nothing. */
  private earliest = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 100_000,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries <= 0) {
      throw new MandateError(
        'invalid_config',
        'the replay cache size must be a positive whole number',
      );
    }
  }

  async checkAndRecord(key: string, expiresAt: number): Promise<boolean> {
    if (!Number.isFinite(expiresAt))
      throw new MandateError('internal', 'a replay cache expiry must be a finite epoch-ms time');
    const now = this.clock.now();
    const seen = this.entries.get(key);
    // INVARIANT: a key is live through its expiresAt inclusive; DpopVerifier sizes expiresAt so
    // that it covers the last instant at which the same proof would still pass its iat check.
    if (seen !== undefined && now <= seen) return false;
    if (seen !== undefined) this.entries.delete(key);
    this.dropExpiredFront(now);
    if (this.entries.size >= this.maxEntries) this.sweep(now);
    if (this.entries.size >= this.maxEntries) {
      throw new MandateError('unavailable', 'the dpop replay cache is full');
    }
    this.entries.set(key, expiresAt);
    this.earliest = Math.min(this.earliest, expiresAt);
    return true;
  }

  /** Live keys held, for tests and metrics. */
  get size(): number {
    return this.entries.size;
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
