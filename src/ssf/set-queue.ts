import type { SignedSet } from './set.js';

interface Queued {
  jwt: string;
  expiresAt: number;
  /** When a poll last handed it out, or null: not handed out since it was queued. */
  sentAt: number | null;
}

/**
 * One stream's SETs waiting for the receiver (RFC 8936 poll, or a paused or failing push): at most
 * `max`, the oldest dropped first, each dropped once `ttlMs` old. A SET handed out by a poll stays
 * until acknowledged, and is handed out again after `redeliverMs` (RFC 8936 §2.4: unacknowledged
 * SETs may be sent again).
 */
export class SetQueue {
  readonly #items = new Map<string, Queued>();
  constructor(private readonly opts: { max: number; ttlMs: number; redeliverMs: number }) {}

  get size(): number {
    return this.#items.size;
  }

  /** Queues a SET; returns how many old ones it pushed out. */
  add(set: SignedSet, now: number): number {
    this.#items.set(set.jti, { jwt: set.jwt, expiresAt: now + this.opts.ttlMs, sentAt: null });
    let dropped = 0;
    for (const jti of this.#items.keys()) {
      if (this.#items.size <= this.opts.max) break;
      this.#items.delete(jti);
      dropped++;
    }
    return dropped;
  }

  /** How many SETs are due for delivery now: never handed out, or handed out `redeliverMs` ago. */
  due(now: number): number {
    this.expire(now);
    let n = 0;
    for (const q of this.#items.values()) if (this.#isDue(q, now)) n++;
    return n;
  }

  /** Up to `max` SETs due for delivery, oldest first, marked as sent; `more`: others are due now (not those handed out and not yet due again). */
  take(max: number, now: number): { sets: Record<string, string>; more: boolean } {
    this.expire(now);
    const sets: Record<string, string> = {};
    let n = 0;
    let more = false;
    for (const [jti, q] of this.#items) {
      if (!this.#isDue(q, now)) continue;
      if (n === max) {
        more = true;
        break;
      }
      q.sentAt = now;
      sets[jti] = q.jwt;
      n++;
    }
    return { sets, more };
  }

  /** The oldest SET, whether or not it was sent, with when it expires (push delivery takes them one by one). */
  peek(now: number): (SignedSet & { expiresAt: number }) | undefined {
    this.expire(now);
    for (const [jti, q] of this.#items) return { jti, jwt: q.jwt, expiresAt: q.expiresAt };
    return undefined;
  }

  /** Removes an acknowledged (or refused) SET; false when it was not queued. */
  remove(jti: string): boolean {
    return this.#items.delete(jti);
  }

  /** Drops every SET (SSF 1.0 §8.1.2: a disabled stream holds nothing); returns how many. */
  clear(): number {
    const n = this.#items.size;
    this.#items.clear();
    return n;
  }

  expire(now: number): void {
    for (const [jti, q] of this.#items) if (q.expiresAt <= now) this.#items.delete(jti);
  }

  #isDue(q: Queued, now: number): boolean {
    return q.sentAt === null || now - q.sentAt >= this.opts.redeliverMs;
  }
}
