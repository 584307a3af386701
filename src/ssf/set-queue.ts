import type { SignedSet } from './set.js';

/** What the queue needs to know of a risk change to choose which one to drop under pressure. */
export interface RiskChange {
  /** Its subject: a later change of the same subject replaces it. */
  subject: string;
  /** An agent-level change (outlives any one task), rather than a task's. */
  agent: boolean;
  /** The levels, ordered (LOW < MEDIUM < HIGH as 0 < 1 < 2). */
  previous: number;
  current: number;
}

interface Queued {
  jwt: string;
  /** For a risk change: what it says. Null: an event never dropped for risk ones. */
  risk: RiskChange | null;
  /** Queue order, for "the oldest first" among equals. */
  seq: number;
  expiresAt: number;
  /** When a poll last handed it out, or null: not handed out since it was queued. */
  sentAt: number | null;
}

/** What a queue went through since it was made: the receiver's view of queue pressure. */
export interface QueueStats {
  /** Risk changes dropped for room (in the drop order of {@link SetQueue}). */
  droppedRisk: number;
  /** Of those, raises that were their subject's latest change: the receiver may stay at a lower level than the subject's (unrecoverable until the next change). */
  droppedRaises: number;
  /** Other SETs (revocations, credential and claims changes) dropped for room: only when no risk change is left to drop. */
  droppedOther: number;
  /** Risk changes replaced, before they were handed out, by a later change of the same subject. */
  coalesced: number;
}

/**
 * One stream's SETs waiting for the receiver (RFC 8936 poll, or a paused or failing push): at most
 * `max`, each dropped once `ttlMs` old. Beyond `max`, a risk change goes first; a revocation or a
 * credential change is dropped only when nothing but those is queued, so a flood of risk changes
 * (which anyone who can make an agent look risky can cause) never pushes one out.
 *
 * A receiver needs each subject's latest level, and being left too high is safer than too low.
 * So risk changes are dropped in this order (docs/ssf.md): a change superseded by a later one of
 * its subject (it was handed out and a newer one is queued); then falls; then raises. Within each,
 * task subjects before agent ones (an agent can start tasks at will, and each new task's first
 * undeclared call is a raise: such a flood must not push out the raise of the agent's own level),
 * then the lower level reached first, then the oldest. A dropped raise is counted apart.
 * A risk change replaces the one of the same subject not yet handed out (the latest level wins).
 * A SET handed out by a poll stays until acknowledged, and is handed out again after
 * `redeliverMs` (RFC 8936 §2.4: unacknowledged SETs may be sent again).
 */
export class SetQueue {
  readonly #items = new Map<string, Queued>();
  /**
   * The latest queued risk change, by subject. A later change replaces it only while it is not
   * handed out; once handed out, the later one is queued after it (and the first is superseded).
   */
  readonly #riskBySubject = new Map<string, string>();
  readonly #stats: QueueStats = { droppedRisk: 0, droppedRaises: 0, droppedOther: 0, coalesced: 0 };
  #seq = 0;
  constructor(private readonly opts: { max: number; ttlMs: number; redeliverMs: number }) {}

  get size(): number {
    return this.#items.size;
  }

  get stats(): Readonly<QueueStats> {
    return { ...this.#stats };
  }

  /**
   * Queues a SET (`risk`: what a risk change says); returns how many it pushed out for room, by
   * kind (`raises`: of the risk ones, latest raises). A replaced risk change of the same subject
   * is not counted as dropped.
   */
  add(
    set: SignedSet,
    now: number,
    risk: RiskChange | null = null,
  ): { risk: number; raises: number; other: number } {
    if (risk !== null) {
      const older = this.#riskBySubject.get(risk.subject);
      const q = older === undefined ? undefined : this.#items.get(older);
      if (older !== undefined && q?.sentAt === null) {
        this.#delete(older);
        this.#stats.coalesced++;
      }
      this.#riskBySubject.set(risk.subject, set.jti);
    }
    this.#items.set(set.jti, {
      jwt: set.jwt,
      risk,
      seq: this.#seq++,
      expiresAt: now + this.opts.ttlMs,
      sentAt: null,
    });
    const dropped = { risk: 0, raises: 0, other: 0 };
    if (this.#items.size <= this.opts.max) return dropped;
    while (this.#items.size > this.opts.max) {
      const victim = this.#riskToDrop();
      if (victim === undefined) break;
      if (victim.raise) dropped.raises++;
      this.#delete(victim.jti);
      dropped.risk++;
    }
    // INVARIANT: reached only when no risk change is left: revocations are never dropped for risk changes.
    for (const jti of this.#items.keys()) {
      if (this.#items.size <= this.opts.max) break;
      this.#delete(jti);
      dropped.other++;
    }
    this.#stats.droppedRisk += dropped.risk;
    this.#stats.droppedRaises += dropped.raises;
    this.#stats.droppedOther += dropped.other;
    return dropped;
  }

  /** The risk change to drop first (see the class comment), or undefined when none is queued. */
  #riskToDrop(): { jti: string; raise: boolean } | undefined {
    let best: { jti: string; raise: boolean; key: number[] } | undefined;
    for (const [jti, q] of this.#items) {
      if (q.risk === null) continue;
      // Latest: it is what its subject's level now is for the receiver (a handed-out one stays latest until a newer one is queued).
      const latest = this.#latest(jti, q.risk);
      const raise = latest && q.risk.current > q.risk.previous;
      const key = [latest ? (raise ? 2 : 1) : 0, q.risk.agent ? 1 : 0, q.risk.current, q.seq];
      if (best === undefined || less(key, best.key)) best = { jti, raise, key };
    }
    return best;
  }

  /** Whether no later change of its subject is queued. */
  #latest(jti: string, risk: RiskChange): boolean {
    const newer = this.#riskBySubject.get(risk.subject);
    return newer === undefined || newer === jti || !this.#items.has(newer);
  }

  #delete(jti: string): boolean {
    const q = this.#items.get(jti);
    if (!q) return false;
    this.#items.delete(jti);
    if (q.risk !== null && this.#riskBySubject.get(q.risk.subject) === jti)
      this.#riskBySubject.delete(q.risk.subject);
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

/** Lexicographic order of drop keys. */
function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
