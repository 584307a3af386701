/**
 * A server-sent events parser per the WHATWG HTML standard, §9.2.6 "Interpreting an event
 * stream": UTF-8 decoding with one leading BOM stripped, lines ended by CRLF, LF or CR (a CR at
 * the end of one chunk and an LF at the start of the next are one line end), comments, fields
 * without a colon, one leading space stripped from a value, `data` lines joined with LF, `id`
 * with a NULL ignored, `retry` only when all ASCII digits, and an event dispatched on a blank
 * line only when it has data. Bytes may arrive split anywhere, inside a UTF-8 sequence too.
 *
 * Internal to the SDK (`RevocationFeed` uses it).
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event` field, or `message`. */
  type: string;
  data: string;
  /** The last `id` seen on the stream so far (it persists across events). */
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
  readonly #handlers: SseHandlers;
  readonly #decoder = new TextDecoder('utf-8');
  /** Per parser: a handler may feed another parser while this one is mid-chunk. */
  readonly #lineEnd = /[\r\n]/g;
  /** Pieces of the line not ended yet (kept as pieces so a huge line costs O(length)). */
  #partial: string[] = [];
  #partialChars = 0;
  #dataChars = 0;
  readonly #maxEventChars: number;
  #afterCr = false;
  #started = false;
  #data: string[] = [];
  #type = '';
  #lastEventId = '';

  constructor(handlers: SseHandlers, opts: { maxEventChars?: number } = {}) {
    this.#handlers = handlers;
    this.#maxEventChars = opts.maxEventChars ?? MAX_EVENT_CHARS;
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Feeds bytes (decoded as a UTF-8 stream) or already-decoded text. */
  push(chunk: Uint8Array | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.#lines(text);
  }

  /** The stream ended: an event without its blank line is discarded, as the standard says. */
  end(): void {
    const rest = this.#decoder.decode();
    if (rest) this.push(rest);
    this.#partial = [];
    this.#partialChars = 0;
    this.#data = [];
    this.#dataChars = 0;
    this.#type = '';
    this.#afterCr = false;
  }

  #lines(text: string): void {
    // An empty chunk between a CR and its LF must not end the wait for the LF.
    if (text === '') return;
    let start = 0;
    if (this.#afterCr) {
      this.#afterCr = false;
      if (text.charCodeAt(0) === 0x0a) start = 1;
    }
    this.#lineEnd.lastIndex = start;
    for (let m = this.#lineEnd.exec(text); m !== null; m = this.#lineEnd.exec(text)) {
      const end = m.index;
      const line =
        this.#partial.length > 0
          ? this.#partial.join('') + text.slice(start, end)
          : text.slice(start, end);
      this.#partial = [];
      this.#partialChars = 0;
      start = end + 1;
      if (m[0] === '\r') {
        if (start === text.length) this.#afterCr = true;
        else if (text.charCodeAt(start) === 0x0a) start++;
        this.#lineEnd.lastIndex = start;
      }
      this.#line(line);
    }
    if (start < text.length) {
      this.#partial.push(text.slice(start));
      this.#partialChars += text.length - start;
      this.#bound();
    }
  }

  #bound(): void {
    if (this.#partialChars + this.#dataChars > this.#maxEventChars) {
      this.#partial = [];
      this.#partialChars = 0;
      this.#data = [];
      this.#dataChars = 0;
      throw new Error(
        `the event stream sent more than ${this.#maxEventChars} characters without ending an event`,
      );
    }
  }

  #line(line: string): void {
    if (line === '') return this.#dispatch();
    const colon = line.indexOf(':');
    if (colon === 0) {
      this.#handlers.onComment?.(line.slice(1).replace(/^ /, ''));
      return;
    }
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#dataChars += value.length + 1;
        this.#bound();
        break;
      case 'id':
        if (!value.includes('\0')) this.#lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#handlers.onRetry?.(Number(value));
        break;
      default:
      // other fields are ignored
    }
  }

  #dispatch(): void {
    const type = this.#type;
    this.#type = '';
    if (this.#data.length === 0) return;
    const data = this.#data.join('\n');
    this.#data = [];
    this.#dataChars = 0;
    this.#handlers.onEvent({
      type: type === '' ? 'message' : type,
      data,
      lastEventId: this.#lastEventId,
    });
  }
}
