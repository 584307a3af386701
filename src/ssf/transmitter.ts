import type { Clock } from '../core/clock.js';
import type { SsfStreamRecord } from '../core/store/index.js';
import type { ActiveKey } from '../identity/keys/key-manager.js';
import { CAEP, SSF_VERIFICATION, type CaepEvent } from './caep.js';
import { PushDelivery } from './push.js';
import { SetQueue, type QueueStats, type RiskChange } from './set-queue.js';
import { signSet, type SignedSet } from './set.js';

export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';

export interface TransmitterOptions {
  issuer: string;
  clock: Clock;
  fetch: typeof fetch;
  /** The trust domain's `token` signing key (KeyManager.signingKey('token')). */
  signingKey: () => Promise<ActiveKey>;
  queueSize: number;
  queueTtlMs: number;
  /** A polled SET not acknowledged is handed out again after this, ms. */
  redeliverMs: number;
  /** Tries per pushed SET; undefined: until its queue TTL would end before the next try. */
  pushAttempts: number | undefined;
  pushBackoffMs: number;
  /** The longest wait between two tries of a pushed SET, ms. */
  pushMaxBackoffMs: number;
  pushTimeoutMs: number;
  /** Something went wrong in the background (a SET dropped, signing failed); never thrown. */
  onProblem: (message: string, details: Record<string, unknown>) => void;
}

/** RFC 8936 §2.4 request, parsed. */
export interface PollRequest {
  ack: string[];
  setErrs: Record<string, { err: string; description?: string | undefined }>;
  maxEvents: number | undefined;
  returnImmediately: boolean;
}

interface Live {
  stream: SsfStreamRecord;
  queue: SetQueue;
  push: PushDelivery | null;
  waiters: Set<() => void>;
  /** Bumped each time the stream is disabled: a SET still being signed for an older epoch is not queued. */
  epoch: number;
  /** The last SET being queued: SETs are signed in parallel but queued in the order their events were published. */
  tail: Promise<void>;
}

/** The longest a poll without `returnImmediately` waits for a SET, ms. */
const LONG_POLL_MS = 20_000;
const MAX_EVENTS = 1000;

/**
 * The SSF transmitter's delivery side: for each stream, the SETs it is owed, signed once per
 * stream (each stream has its own `aud`) and queued; pushed in the background (RFC 8935) or
 * handed out on polls (RFC 8936). A disabled stream gets nothing and holds nothing (what was
 * queued is dropped when it is disabled); a paused one keeps its SETs until it is enabled (SSF 1.0
 * §8.1.2.1).
 */
export class Transmitter {
  readonly #live = new Map<string, Live>();
  #closed = false;
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly opts: TransmitterOptions) {}

  /** The stream was created or changed (status, delivery, events). */
  set(stream: SsfStreamRecord): void {
    const live = this.#live.get(stream.id);
    if (!live) {
      const queue = new SetQueue({
        max: this.opts.queueSize,
        ttlMs: this.opts.queueTtlMs,
        redeliverMs: this.opts.redeliverMs,
      });
      const push = stream.delivery.method === PUSH ? this.#pushFor(stream, queue) : null;
      this.#live.set(stream.id, {
        stream,
        queue,
        push,
        waiters: new Set(),
        epoch: 0,
        tail: Promise.resolve(),
      });
      push?.hold(stream.status !== 'enabled');
      return;
    }
    if (stream.status === 'disabled' && live.stream.status !== 'disabled') {
      // SSF 1.0 §8.1.2.1: a disabled stream's transmitter holds nothing for it, so a SET queued
      // before it was disabled never comes out after it is enabled again.
      live.epoch++;
      live.queue.clear();
    }
    live.stream = stream;
    live.push?.retarget(stream.delivery);
    live.push?.hold(stream.status !== 'enabled');
    if (stream.status === 'enabled') this.#wake(live);
  }

  remove(id: string): void {
    const live = this.#live.get(id);
    if (!live) return;
    live.epoch++;
    live.push?.close();
    this.#wake(live);
    this.#live.delete(id);
  }

  /** Sends an event to every enabled or paused stream that asked for its type. */
  publish(event: CaepEvent): Promise<void> {
    // INVARIANT: the streams are chosen now, with the status they have when the event commits.
    const targets = [...this.#live.values()].filter(
      (l) => l.stream.status !== 'disabled' && l.stream.eventsRequested.includes(event.type),
    );
    return this.#track(
      Promise.all(targets.map((live) => this.#enqueue(live, event))).then(() => undefined),
    );
  }

  /** Work a poll waits for: SETs of events that committed before it, still being signed. */
  #track(p: Promise<void>): Promise<void> {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }

  /** SSF 1.0 §8.1.4.2: a verification event on this stream, with the receiver's `state`. */
  async verify(id: string, state: string | undefined): Promise<void> {
    const live = this.#live.get(id);
    if (!live || live.stream.status === 'disabled') return;
    await this.#track(
      this.#enqueue(live, {
        type: SSF_VERIFICATION,
        subject: { format: 'opaque', id },
        claims: state === undefined ? {} : { state },
      }),
    );
  }

  /**
   * RFC 8936 §2.4: acknowledges (`ack`), records refusals (`setErrs`), then answers with at most
   * `maxEvents` SETs due now; without `returnImmediately` it waits up to LONG_POLL_MS for one.
   * `moreAvailable`: other SETs are due now (not ones handed out and not yet due again).
   */
  async poll(
    id: string,
    req: PollRequest,
  ): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
    await Promise.all([...this.#pending]);
    const live = this.#live.get(id);
    if (!live) return { sets: {}, moreAvailable: false };
    for (const jti of req.ack) live.queue.remove(jti);
    for (const [jti, e] of Object.entries(req.setErrs)) {
      if (live.queue.remove(jti))
        this.opts.onProblem('ssf receiver refused a set', {
          stream: id,
          jti,
          err: e.err.slice(0, 64),
        });
    }
    const enabled = () => live.stream.status === 'enabled' && this.#live.get(id) === live;
    const max = Math.min(req.maxEvents ?? MAX_EVENTS, MAX_EVENTS);
    // maxEvents 0: only acknowledging (RFC 8936 §2.4), never waiting.
    if (max === 0)
      return { sets: {}, moreAvailable: enabled() && live.queue.due(this.opts.clock.now()) > 0 };
    const take = () =>
      enabled() ? live.queue.take(max, this.opts.clock.now()) : { sets: {}, more: false };
    let out = take();
    if (Object.keys(out.sets).length > 0 || req.returnImmediately)
      return { sets: out.sets, moreAvailable: out.more };
    // Long poll: woken by each SET queued (or a status change); another poll may have taken it, so wait on until the deadline.
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      this.#wake(live);
    }, LONG_POLL_MS);
    timer.unref();
    try {
      while (!expired && !this.#closed && this.#live.get(id) === live) {
        await new Promise<void>((resolve) => {
          const done = () => {
            live.waiters.delete(done);
            resolve();
          };
          live.waiters.add(done);
        });
        out = take();
        if (Object.keys(out.sets).length > 0) break;
      }
    } finally {
      clearTimeout(timer);
    }
    return { sets: out.sets, moreAvailable: out.more };
  }

  /** SETs waiting for a stream (for its status). */
  pending(id: string): number {
    return this.#live.get(id)?.queue.size ?? 0;
  }

  /** A stream's queue pressure (for its status and the metrics): SETs waiting, its bound, and what was dropped or coalesced. */
  pressure(id: string): (QueueStats & { queued: number; max: number }) | undefined {
    const live = this.#live.get(id);
    return live
      ? { queued: live.queue.size, max: this.opts.queueSize, ...live.queue.stats }
      : undefined;
  }

  /** Every stream's queue pressure, by stream id. */
  pressures(): Map<string, QueueStats & { queued: number; max: number }> {
    return new Map([...this.#live.keys()].map((id) => [id, this.pressure(id)!]));
  }

  close(): void {
    this.#closed = true;
    for (const live of this.#live.values()) {
      live.push?.close();
      this.#wake(live);
    }
  }

  #enqueue(live: Live, event: CaepEvent): Promise<void> {
    const epoch = live.epoch;
    const signing = this.#sign(live, event);
    // A risk change is about one task or agent: a later one of the same subject replaces it while it waits.
    const risk = event.type === CAEP.riskLevelChange ? riskChangeOf(event) : null;
    live.tail = live.tail.then(async () => this.#queue(live, epoch, await signing, risk));
    return live.tail;
  }

  async #sign(live: Live, event: CaepEvent): Promise<SignedSet | null> {
    try {
      return await signSet(await this.opts.signingKey(), {
        issuer: this.opts.issuer,
        audience: live.stream.audience,
        event,
        now: this.opts.clock.now(),
      });
    } catch (err) {
      this.opts.onProblem('ssf set could not be signed', {
        stream: live.stream.id,
        event: event.type,
        error: err instanceof Error ? err.message : 'unknown',
      });
      return null;
    }
  }

  #queue(live: Live, epoch: number, set: SignedSet | null, risk: RiskChange | null): void {
    if (set === null) return;
    // Disabled (or deleted) while this SET was signed: the event came before, so it is dropped too.
    if (live.epoch !== epoch || live.stream.status === 'disabled') return;
    const dropped = live.queue.add(set, this.opts.clock.now(), risk);
    if (dropped.other > 0)
      this.opts.onProblem('ssf queue full: oldest sets dropped', {
        stream: live.stream.id,
        dropped: dropped.other,
      });
    else if (dropped.raises > 0)
      this.opts.onProblem(
        'ssf queue full: risk raises dropped, the receiver may hold a lower level than the subject has',
        { stream: live.stream.id, dropped: dropped.risk, raises: dropped.raises },
      );
    else if (dropped.risk > 0)
      this.opts.onProblem('ssf queue full: superseded risk changes or risk falls dropped', {
        stream: live.stream.id,
        dropped: dropped.risk,
      });
    live.push?.kick();
    if (live.stream.status === 'enabled') this.#wake(live);
  }

  #wake(live: Live): void {
    for (const w of [...live.waiters]) w();
  }

  #pushFor(stream: SsfStreamRecord, queue: SetQueue): PushDelivery {
    return new PushDelivery(stream.delivery, queue, {
      clock: this.opts.clock,
      fetch: this.opts.fetch,
      attempts: this.opts.pushAttempts,
      backoffMs: this.opts.pushBackoffMs,
      maxBackoffMs: this.opts.pushMaxBackoffMs,
      timeoutMs: this.opts.pushTimeoutMs,
      onDrop: (jti, why) =>
        this.opts.onProblem('ssf push gave up on a set', { stream: stream.id, jti, why }),
    });
  }
}

const LEVELS: Record<string, number> = { LOW: 0, MEDIUM: 1, HIGH: 2 };

/** What the queue needs of a risk-level-change to choose what to drop under pressure (an unknown level counts as the highest: kept longest). */
function riskChangeOf(event: CaepEvent): RiskChange {
  const level = (v: unknown) => (typeof v === 'string' ? (LEVELS[v] ?? 2) : 2);
  return {
    subject: JSON.stringify(event.subject),
    agent: event.subject.format !== 'opaque',
    previous: level(event.claims.previous_level),
    current: level(event.claims.current_level),
  };
}
