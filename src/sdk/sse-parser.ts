import { createParser, type EventSourceParser } from 'eventsource-parser';

/**
 * Server-sent events (WHATWG HTML §9.2.6) read with `eventsource-parser`, plus what it leaves to
 * its caller: bytes decoded as one UTF-8 stream (split anywhere, inside a sequence too) with one
 * leading BOM stripped, the last event id kept across events, `message` as the default type, a
 * CR ending one chunk dispatched at once rather than when the next chunk arrives, and a clear
 * error when an event outgrows its bound.
 *
 * Internal to the SDK (`RevocationFeed` and `EventsAdmin` use it).
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event` field, or `message`. */
  type: string;
  data: string;
  /**
   * The last `id` seen on the stream so far (it persists across events). An `id` in a block
   * without `data` is not seen: eventsource-parser drops such a block whole, and Mandate's
   * server never sends one.
   */
  lastEventId: string;
}

export interface SseHandlers {
  onEvent(event: SseEvent): void;
  /** A valid `retry` field: the reconnection time in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line (`: ping`), without the colon. */
  onComment?(text: string): void;
}

/**
 * The most text one event may hold, its unfinished line included (UTF-16 code units); beyond it
 * `push` throws, so a stream that never ends a line cannot grow memory without bound. Generous:
 * a snapshot of a million revoked entries is one line of tens of megabytes.
 */
export const MAX_EVENT_CHARS = 256 * 1024 * 1024;

export class SseParser {
  // ignoreBOM: the BOM is stripped below, once, whether the first text came as bytes or as a string.
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  readonly #parser: EventSourceParser;
  readonly #maxEventChars: number;
  #started = false;
  #afterCr = false;
  #overflow = false;
  #lastEventId = '';

  constructor(handlers: SseHandlers, opts: { maxEventChars?: number } = {}) {
    this.#maxEventChars = opts.maxEventChars ?? MAX_EVENT_CHARS;
    this.#parser = createParser({
      maxBufferSize: this.#maxEventChars,
      onEvent: (m) => {
        if (m.id !== undefined) this.#lastEventId = m.id;
        handlers.onEvent({
          type: m.event ?? 'message',
          data: m.data,
          lastEventId: this.#lastEventId,
        });
      },
      onRetry: handlers.onRetry && ((ms) => handlers.onRetry?.(ms)),
      onComment: handlers.onComment && ((text) => handlers.onComment?.(text)),
      onError: (err) => {
        // Unknown fields and retries that are not all digits are ignored, as the standard says.
        if (err.type === 'max-buffer-size-exceeded') this.#overflow = true;
      },
    });
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Feeds bytes (decoded as a UTF-8 stream) or already-decoded text. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    // An empty chunk between a CR and its LF must not end the wait for the LF.
    if (text === '') return;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#afterCr && text.charCodeAt(0) === 0x0a) text = text.slice(1);
    // A CR ending the chunk is a line end whatever follows (CR LF is one line end too): end it
    // now as CR LF, and drop the LF if the next chunk starts with one.
    this.#afterCr = text.charCodeAt(text.length - 1) === 0x0d;
    if (this.#afterCr) text += '\n';
    this.#parser.feed(text);
    if (this.#overflow) {
      this.#overflow = false;
      this.#parser.reset();
      throw new Error(
        `the event stream sent more than ${this.#maxEventChars} characters without ending an event`,
      );
    }
  }

  /** The stream ended: an event without its blank line is discarded, as the standard says. */
  end(): void {
    const rest = this.#decoder.decode();
    if (rest) this.push(rest);
    this.#parser.reset();
    this.#afterCr = false;
  }
}
