import { apiError } from './errors.js';
import type { HttpOptions } from './http.js';
import {
  parseRevocationEvent,
  parseRevocationSnapshot,
  type RevocationEvent,
  type RevocationSnapshot,
} from './revocation-set.js';
import { SseParser } from './sse-parser.js';

/** One message of the revocation feed (`GET /v1/events`, docs/revocation.md). */
export type FeedMessage =
  | { type: 'snapshot'; snapshot: RevocationSnapshot }
  | { type: 'revocation'; event: RevocationEvent }
  | { type: 'heartbeat'; seq: number; time: number };

export interface WatchOptions {
  /** Resume after this seq (`Last-Event-ID`): only the events after it, or a snapshot when the server no longer has them. */
  from?: number;
  /** Aborting it ends the watch: the iteration finishes (or rejects with the abort reason while connecting). */
  signal?: AbortSignal;
  /**
   * The watch fails when nothing (heartbeats included) arrives for this long, ms: a server or
   * network gone without closing the connection must not leave it waiting forever. Default
   * 60,000; keep it above the server's `eventsHeartbeat`.
   */
  idleMs?: number;
}

/**
 * The revocation feed as the admin sees it: `MandateAdminClient.events`. Unlike `RevocationFeed`
 * (an enforcement point's state, reconnecting forever) this is one connection, for watching what
 * is revoked as it happens: the iteration ends when the server ends the stream.
 *
 * @example
 * for await (const m of admin.events.watch()) {
 *   if (m.type === 'revocation') console.log(m.event.seq, m.event.kind, m.event.id, m.event.cause);
 * }
 */
export class EventsAdmin {
  readonly #url: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;

  constructor(options: HttpOptions & { token: string }) {
    this.#url = `${options.url.replace(/\/+$/, '')}/v1/events`;
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Opens the stream and yields each message as it arrives; a refusal throws a `MandateApiError`. */
  async *watch(opts: WatchOptions = {}): AsyncGenerator<FeedMessage, void, undefined> {
    const abort = new AbortController();
    const onAbort = () => abort.abort(opts.signal?.reason);
    if (opts.signal?.aborted) return;
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${this.#token}`,
        accept: 'text/event-stream',
        'cache-control': 'no-store',
      };
      if (opts.from !== undefined) headers['last-event-id'] = String(opts.from);
      let res: Response;
      try {
        res = await this.#fetch(this.#url, { headers, signal: abort.signal });
      } catch (cause) {
        if (abort.signal.aborted) return;
        throw new Error(
          `cannot reach the Mandate server at ${this.#url}: ${(cause as Error).message}; is it running (mandate serve) and is --url / MANDATE_URL right?`,
          { cause },
        );
      }
      if (!res.ok) throw await apiError(res);
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body)
        throw new Error('GET /v1/events did not answer with an event stream');
      const queue: FeedMessage[] = [];
      const parser = new SseParser({
        onEvent(e) {
          if (e.type === 'snapshot')
            queue.push({ type: 'snapshot', snapshot: parseRevocationSnapshot(e.data) });
          else if (e.type === 'revocation')
            queue.push({ type: 'revocation', event: parseRevocationEvent(e.data) });
          else if (e.type === 'heartbeat') {
            const h = JSON.parse(e.data) as { seq: number; time: number };
            queue.push({ type: 'heartbeat', seq: h.seq, time: h.time });
          }
          // Other event types are for later versions: ignored, as an SSE client does.
        },
      });
      const reader = res.body.getReader();
      const idleMs = opts.idleMs ?? 60_000;
      let idle = false;
      let timer: NodeJS.Timeout | undefined;
      const heard = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          idle = true;
          abort.abort();
        }, idleMs);
      };
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        heard();
        try {
          chunk = await reader.read();
        } catch (err) {
          if (idle)
            throw new Error(
              `nothing heard on the revocation stream for ${idleMs >= 1000 ? `${Math.round(idleMs / 1000)} s` : `${idleMs} ms`} (not even a heartbeat): the server or the network is gone`,
            );
          if (abort.signal.aborted) return;
          throw err;
        } finally {
          clearTimeout(timer);
        }
        if (chunk.done) parser.end();
        else parser.push(chunk.value);
        for (const m of queue.splice(0)) yield m;
        if (chunk.done) return;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      // Also when the caller stops iterating: the connection goes with the watch.
      abort.abort();
    }
  }
}
