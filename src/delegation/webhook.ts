import { after, type CancelTimer, type Clock } from '../core/clock.js';
import { newId } from '../core/random.js';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature.js';

/**
 * Delivers delegation events (a grant request to answer, an approval to give, an answer) to the
 * configured `webhookUrl`, signed with HMAC-SHA256 (webhook-signature.ts). Delivery never blocks
 * the request that caused the event: `send` queues and returns. A delivery that fails (network
 * error, timeout, redirect or any non-2xx answer) is retried with exponential backoff until
 * `maxAttempts`; each attempt is signed afresh with its own timestamp. Redirects are not
 * followed. Payloads carry ids, names and links, never a token or a secret.
 */
export interface WebhookOptions {
  url: string;
  secret: string;
  clock: Clock;
  fetch?: typeof fetch;
  /** Attempts per event, the first included. */
  maxAttempts?: number;
  /** Delay before the second attempt; doubled for each further one. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Events waiting or in flight beyond this are dropped (and counted). */
  maxQueued?: number;
}

export interface WebhookEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface WebhookStats {
  delivered: number;
  /** Events given up on after their last attempt. */
  failed: number;
  dropped: number;
  pending: number;
  lastError: string | null;
}

type Settings = Required<Omit<WebhookOptions, 'fetch'>> & { fetch: typeof fetch };

export class WebhookNotifier {
  readonly #o: Settings;
  readonly #timers = new Set<CancelTimer>();
  readonly #closing = new AbortController();
  readonly #idle: (() => void)[] = [];
  #pending = 0;
  readonly #stats: WebhookStats = {
    delivered: 0,
    failed: 0,
    dropped: 0,
    pending: 0,
    lastError: null,
  };

  constructor(options: WebhookOptions) {
    this.#o = {
      maxAttempts: 6,
      baseDelayMs: 1000,
      maxDelayMs: 5 * 60_000,
      timeoutMs: 10_000,
      maxQueued: 1000,
      fetch: globalThis.fetch,
      ...options,
    } as Settings;
  }

  /** Queues one event; returns its id at once. */
  send(event: WebhookEvent): string {
    const id = `evt_${newId()}`;
    if (this.#closing.signal.aborted) return id;
    if (this.#pending >= this.#o.maxQueued) {
      this.#stats.dropped++;
      return id;
    }
    const body = JSON.stringify({
      id,
      type: event.type,
      created_at: new Date(this.#o.clock.now()).toISOString(),
      data: event.data,
    });
    this.#pending++;
    // The first attempt runs off the caller's time but at once: only retries wait on the clock.
    setImmediate(() => void this.#attempt(id, event.type, body, 1));
    return id;
  }

  get stats(): WebhookStats {
    return { ...this.#stats, pending: this.#pending };
  }

  /** Resolves once nothing is waiting or in flight (tests, shutdown). */
  idle(): Promise<void> {
    return this.#pending === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops: in-flight deliveries are aborted and no retry runs. */
  close(): void {
    this.#closing.abort();
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
    this.#pending = 0;
    this.#settle();
  }

  async #attempt(id: string, type: string, body: string, attempt: number): Promise<void> {
    if (this.#closing.signal.aborted) return;
    let error: string;
    try {
      const res = await this.#o.fetch(this.#o.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'mandate-webhook/1',
          'mandate-event-id': id,
          'mandate-event-type': type,
          [SIGNATURE_HEADER]: signWebhook(
            this.#o.secret,
            body,
            Math.floor(this.#o.clock.now() / 1000),
          ),
        },
        body,
        signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#o.timeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.#stats.delivered++;
        this.#done();
        return;
      }
      error = `answered ${res.status}`;
    } catch (err) {
      if (this.#closing.signal.aborted) return;
      error = err instanceof Error ? err.message : String(err);
    }
    this.#stats.lastError = `${type} ${id}, attempt ${attempt}: ${error}`;
    if (attempt >= this.#o.maxAttempts) {
      this.#stats.failed++;
      this.#done();
      return;
    }
    this.#schedule(
      () => this.#attempt(id, type, body, attempt + 1),
      Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (attempt - 1)),
    );
  }

  #schedule(run: () => Promise<void>, delayMs: number): void {
    // On the injected clock (a ManualClock fires it on advance); the system's never keeps the
    // process alive for a pending retry.
    const cancel = after(this.#o.clock, delayMs, () => {
      this.#timers.delete(cancel);
      void run();
    });
    this.#timers.add(cancel);
  }

  #done(): void {
    this.#pending = Math.max(0, this.#pending - 1);
    this.#settle();
  }

  #settle(): void {
    if (this.#pending > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
