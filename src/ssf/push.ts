import type { Clock } from '../core/clock.js';
import type { SsfDelivery } from '../core/store/index.js';
import type { SetQueue } from './set-queue.js';

/** RFC 8935 §2.4: the media type of a pushed SET. */
export const SET_MEDIA_TYPE = 'application/secevent+jwt';

export interface PushOptions {
  clock: Clock;
  fetch: typeof fetch;
  /** Tries per SET before it is dropped. */
  attempts: number;
  /** The first retry's delay, doubled each time, ms. */
  backoffMs: number;
  timeoutMs: number;
  /** A SET given up on: refused by the receiver (its RFC 8935 `err`) or out of attempts. */
  onDrop(jti: string, why: string): void;
}

/**
 * Pushes one stream's SETs (RFC 8935 §2): one at a time, in order, each a POST of the SET alone
 * with `Content-Type: application/secevent+jwt`; 202 (any 2xx) delivers it, a 400 with an `err`
 * refuses it for good, anything else (5xx, no answer) is retried with exponential backoff. Runs in
 * the background: `kick` never waits for the receiver, so the revocation path never does.
 */
export class PushDelivery {
  #running = false;
  #held = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #tries = new Map<string, number>();

  constructor(
    private delivery: SsfDelivery,
    private readonly queue: SetQueue,
    private readonly opts: PushOptions,
  ) {}

  /** A new endpoint or credential (stream updated). */
  retarget(delivery: SsfDelivery): void {
    this.delivery = delivery;
  }

  /** Paused: hold what is queued; enabled: send it. */
  hold(held: boolean): void {
    this.#held = held;
    if (!held) this.kick();
  }

  kick(): void {
    if (this.#running || this.#held || this.#closed || this.#timer) return;
    this.#running = true;
    void this.#drain().finally(() => {
      this.#running = false;
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (this.#held || this.#closed) return;
      const set = this.queue.peek(this.opts.clock.now());
      if (!set) return;
      const result = await this.#send(set.jwt);
      if (result.ok || result.permanent) {
        this.queue.remove(set.jti);
        this.#tries.delete(set.jti);
        if (!result.ok) this.opts.onDrop(set.jti, result.why);
        continue;
      }
      const tries = (this.#tries.get(set.jti) ?? 0) + 1;
      if (tries >= this.opts.attempts) {
        this.queue.remove(set.jti);
        this.#tries.delete(set.jti);
        this.opts.onDrop(set.jti, `${result.why} after ${tries} attempts`);
        continue;
      }
      this.#tries.set(set.jti, tries);
      const delay = this.opts.backoffMs * 2 ** (tries - 1);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.kick();
      }, delay);
      this.#timer.unref();
      return;
    }
  }

  async #send(jwt: string): Promise<{ ok: true } | { ok: false; permanent: boolean; why: string }> {
    const headers: Record<string, string> = { 'content-type': SET_MEDIA_TYPE, accept: 'application/json' };
    if (this.delivery.authorizationHeader) headers.authorization = this.delivery.authorizationHeader;
    try {
      const res = await this.opts.fetch(this.delivery.endpointUrl, { method: 'POST', headers, body: jwt, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return { ok: true };
      if (res.status === 400) {
        // RFC 8935 §2.3: the receiver refused this SET; sending it again would not help.
        const err = parseErr(text);
        return { ok: false, permanent: true, why: `refused: ${err}` };
      }
      return { ok: false, permanent: false, why: `status ${res.status}` };
    } catch (err) {
      return { ok: false, permanent: false, why: err instanceof Error ? err.name : 'network error' };
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
