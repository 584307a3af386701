/**
 * Verified tokens by their exact string, bounded. Entries leave when they are past `until`
 * (dropped in a sweep, at most once a second and only when the cache is full) or, if still
 * full, oldest first. The cache only saves the signature and claim checks: the caller still
 * checks expiry and revocation on every hit.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  private lastSweep = -Infinity;

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(token: string): T | undefined {
    return this.entries.get(token)?.value;
  }

  delete(token: string): void {
    this.entries.delete(token);
  }

  /** `until` and `nowSeconds` in epoch seconds. */
  set(token: string, value: T, until: number, nowSeconds: number): void {
    if (this.maxEntries === 0) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(token)) {
      if (nowSeconds - this.lastSweep >= 1) {
        this.lastSweep = nowSeconds;
        for (const [key, entry] of this.entries)
          if (entry.until <= nowSeconds) this.entries.delete(key);
      }
      // INVARIANT: Map iteration is insertion order, so the first key is the oldest entry.
      while (this.entries.size >= this.maxEntries)
        this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(token, { value, until });
  }
}
