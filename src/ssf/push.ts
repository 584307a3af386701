import { after, type CancelTimer, type Clock } from '../core/clock.js';
import type { SsfDelivery } from '../core/store/index.js';
import type { SetQueue } from './set-queue.js';

/** RFC 8935 §2.4: the media type of a pushed SET. */
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

export interface PushOptions {
  clock: Clock;
  fetch: typeof fetch;
  /** Tries per SET before it is dropped; undefined: until its queue TTL would end before the next try. */
  attempts: number | undefined;
  /** The first retry's delay, doubled each time, ms. */
  backoffMs: number;
  /** The longest wait between two tries of a SET, ms. */
  maxBackoffMs: number;
  timeoutMs: number;
  /** A SET given up on: refused by the receiver (its RFC 8935 `err`), out of attempts or out of time. */
  onDrop(jti: string, why: string): void;
}

type SendResult = { ok: true } | { ok: false; permanent: boolean; why: string };

/**
 * Pushes one stream's SETs (RFC 8935 §2): one at a time, in order, each a POST of the SET alone
 * with `Content-Type: application/secevent+jwt`; 202 (any 2xx) delivers it, a 400 with an `err`
 * refuses it for good, anything else (5xx, no answer) is retried with exponential backoff capped
 * at `maxBackoffMs`, until the SET's queue TTL would end first (or `attempts` are spent). Runs in
 * the background: `kick` never waits for the receiver, so the revocation path never does.
 */
export class PushDelivery {
  #running = false;
  #held = false;
  #closed = false;
  #timer: CancelTimer | null = null;
  /** Aborts the request in flight when the transmitter closes. */
  readonly #abort = new AbortController();
  /** The SET at the head of the queue and how many times it has failed. */
  #head: { jti: string; tries: number } | null = null;

  constructor(
    private delivery: SsfDelivery,
    private readonly queue: SetQueue,
    private readonly opts: PushOptions,
  ) {}

  /** The stream was updated: a new endpoint or credential is tried at once, not after the backoff. */
  retarget(delivery: SsfDelivery): void {
    const changed =
      delivery.endpointUrl !== this.delivery.endpointUrl ||
      delivery.authorizationHeader !== this.delivery.authorizationHeader;
    this.delivery = delivery;
    if (changed && this.#timer) {
      this.#timer();
      this.#timer = null;
      this.kick();
    }
  }

  /** Paused or disabled: hold what is queued; enabled: send it. */
  hold(held: boolean): void {
    this.#held = held;
    if (!held) this.kick();
  }

  kick(): void {
    // INVARIANT: at most one request in flight per stream, and none while a retry is scheduled,
    // so SETs leave in queue order.
    if (this.#running || this.#held || this.#closed || this.#timer) return;
    this.#running = true;
    void this.#drain().finally(() => {
      this.#running = false;
    });
  }

  close(): void {
    this.#closed = true;
    this.#timer?.();
    this.#timer = null;
    this.#abort.abort();
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#held || this.#closed) return;
      const set = this.queue.peek(this.opts.clock.now());
      if (!set) {
        this.#head = null;
        return;
      }
      if (this.#head?.jti !== set.jti) this.#head = { jti: set.jti, tries: 0 };
      const head = this.#head;
      const result = await this.#send(set.jwt);
      if (this.#closed) return;
      if (result.ok || result.permanent) {
        this.queue.remove(set.jti);
        this.#head = null;
        if (!result.ok) this.opts.onDrop(set.jti, result.why);
        continue;
      }
      head.tries++;
      // RFC 8935 §2.2 leaves retries to the transmitter: doubling from backoffMs, at most maxBackoffMs apart.
      const delay = Math.min(this.opts.backoffMs * 2 ** (head.tries - 1), this.opts.maxBackoffMs);
      const outOfAttempts = this.opts.attempts !== undefined && head.tries >= this.opts.attempts;
      if (outOfAttempts || this.opts.clock.now() + delay >= set.expiresAt) {
        this.queue.remove(set.jti);
        this.#head = null;
        this.opts.onDrop(
          set.jti,
          `${result.why} after ${head.tries} attempts${outOfAttempts ? '' : '; its queue ttl ends before the next'}`,
        );
        continue;
      }
      this.#timer = after(this.opts.clock, delay, () => {
        this.#timer = null;
        this.kick();
      });
      return;
    }
  }

  async #send(jwt: string): Promise<SendResult> {
    const headers: Record<string, string> = {
      'content-type': SET_MEDIA_TYPE,
      accept: 'application/json',
    };
    if (this.delivery.authorizationHeader)
      headers.authorization = this.delivery.authorizationHeader;
    try {
      const signal = AbortSignal.any([
        AbortSignal.timeout(this.opts.timeoutMs),
        this.#abort.signal,
      ]);
      const res = await this.opts.fetch(this.delivery.endpointUrl, {
        method: 'POST',
        headers,
        body: jwt,
        redirect: 'manual',
        signal,
      });
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return { ok: true };
      if (res.status === 400) {
        // RFC 8935 §2.3: the receiver refused this SET; sending it again would not help.
        return { ok: false, permanent: true, why: `refused: ${parseErr(text)}` };
      }
      return { ok: false, permanent: false, why: `status ${res.status}` };
    } catch (err) {
      return {
        ok: false,
        permanent: false,
        why: err instanceof Error ? err.name : 'network error',
      };
    }
  }
}

function parseErr(text: string): string {
  try {
    const body = JSON.parse(text) as { err?: unknown };
    return typeof body.err === 'string' ? body.err.slice(0, 64) : 'invalid_request';
  } catch {
    return 'invalid_request';
  }
}
