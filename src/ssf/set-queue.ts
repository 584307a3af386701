import type { SignedSet } from './set.js';

interface Queued {
  jwt: string;
  /** For a risk change: its subject, so that a later change of the same subject replaces it. Null: an event never dropped for risk ones. */
  riskOf: string | null;
  expiresAt: number;
  /** When a poll last handed it out, or null: not handed out since it was queued. */
  sentAt: number | null;
}

/** What a queue went through since it was made: the receiver's view of queue pressure. */
export interface QueueStats {
  /** Risk changes dropped for room (the oldest first). */
  droppedRisk: number;
  /** Other SETs (revocations, credential and claims changes) dropped for room: only when no risk change is left to drop. */
  droppedOther: number;
  /** Risk changes replaced, before they were handed out, by a later change of the same subject. */
  coalesced: number;
}

/**
 * One stream's SETs waiting for the receiver (RFC 8936 poll, or a paused or failing push): at most
 * `max`, each dropped once `ttlMs` old. Beyond `max`, the oldest risk change goes first; a
 * revocation or a credential change is dropped only when nothing but those is queued, so a flood
 * of risk changes (which anyone who can make an agent look risky can cause) never pushes one out.
 * A risk change replaces the one of the same subject not yet handed out (the latest level wins).
 * A SET handed out by a poll stays until acknowledged, and is handed out again after
 * `redeliverMs` (RFC 8936 §2.4: unacknowledged SETs may be sent again).
 */
export class SetQueue {
  readonly #items = new Map<string, Queued>();
  /** Queued risk changes not yet handed out, by subject. */
  readonly #riskBySubject = new Map<string, string>();
  readonly #stats: QueueStats = { droppedRisk: 0, droppedOther: 0, coalesced: 0 };
  constructor(private readonly opts: { max: number; ttlMs: number; redeliverMs: number }) {}

  get size(): number {
    return this.#items.size;
  }

  get stats(): Readonly<QueueStats> {
    return { ...this.#stats };
  }

  /**
   * Queues a SET (`riskOf`: the subject of a risk change); returns how many it pushed out for
   * room, by kind. A replaced risk change of the same subject is not counted as dropped.
   */
  add(set: SignedSet, now: number, riskOf: string | null = null): { risk: number; other: number } {
    if (riskOf !== null) {
      const older = this.#riskBySubject.get(riskOf);
      const q = older === undefined ? undefined : this.#items.get(older);
      if (older !== undefined && q?.sentAt === null) {
        this.#delete(older);
        this.#stats.coalesced++;
      }
      this.#riskBySubject.set(riskOf, set.jti);
    }
    this.#items.set(set.jti, { jwt: set.jwt, riskOf, expiresAt: now + this.opts.ttlMs, sentAt: null });
    const dropped = { risk: 0, other: 0 };
    if (this.#items.size <= this.opts.max) return dropped;
    for (const [jti, q] of this.#items) {
      if (this.#items.size <= this.opts.max) break;
      if (q.riskOf === null) continue;
      this.#delete(jti);
      dropped.risk++;
    }
    // INVARIANT: reached only when no risk change is left: revocations are never dropped for risk changes.
    for (const jti of this.#items.keys()) {
      if (this.#items.size <= this.opts.max) break;
      this.#delete(jti);
      dropped.other++;
    }
    this.#stats.droppedRisk += dropped.risk;
    this.#stats.droppedOther += dropped.other;
    return dropped;
  }

  #delete(jti: string): boolean {
    const q = this.#items.get(jti);
    if (!q) return false;
    this.#items.delete(jti);
    if (q.riskOf !== null && this.#riskBySubject.get(q.riskOf) === jti) this.#riskBySubject.delete(q.riskOf);
    return true;
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
      // Handed out: a later change of its subject is queued after it, not in its place.
      if (q.riskOf !== null && this.#riskBySubject.get(q.riskOf) === jti) this.#riskBySubject.delete(q.riskOf);
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
    return this.#delete(jti);
  }

  /** Drops every SET (SSF 1.0 §8.1.2: a disabled stream holds nothing); returns how many. */
  clear(): number {
    const n = this.#items.size;
    this.#items.clear();
    this.#riskBySubject.clear();
    return n;
  }

  expire(now: number): void {
    for (const [jti, q] of this.#items) if (q.expiresAt <= now) this.#delete(jti);
  }

  #isDue(q: Queued, now: number): boolean {
    return q.sentAt === null || now - q.sentAt >= this.opts.redeliverMs;
  }
}
