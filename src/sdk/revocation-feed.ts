import { parseRevocationEvent, parseRevocationSnapshot, RevocationSet } from './revocation-set.js';
import { SseParser, type SseEvent } from './sse-parser.js';
import type { Principal } from '../protocol/principal.js';

/** A credential, or a function called for a fresh one at each (re)connect. */
export type CredentialSource = string | (() => string | Promise<string>);

export interface RevocationFeedOptions {
  /** Mandate's base URL (its issuer), e.g. `https://mandate.example.org`; the stream is `<url>/v1/events`. */
  url: string;
  /**
   * Bearer credential for the stream: Mandate's admin token, or a JWT-SVID (audience
   * `<url>/v1/events`) of an agent labelled `enforcement-point`. A function is asked again at
   * every reconnect, so a short-lived SVID can be renewed.
   */
  token: CredentialSource;
  /** With nothing heard (event or heartbeat) for longer than this, `check` fails closed. Default 15000. */
  maxStalenessMs?: number;
  /**
   * Reconnection after a drop: a random delay between 0 and min(maxDelayMs, initialDelayMs ×
   * 2^attempt) ("full jitter"). `initialDelayMs` defaults to the server's `retry:` hint (2000 ms
   * until one arrives), `maxDelayMs` to 30000.
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * When the stream is stale, ask Mandate's RFC 7662 introspection endpoint about each token
   * instead of refusing it (`token`: the admin token). Unset: stale means refused.
   */
  introspection?: { token: CredentialSource; url?: string; timeoutMs?: number };
  /** Epoch milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
  /** Told after each snapshot or event is applied, in order (for metrics, or to react at once). */
  onUpdate?: (update: {
    type: 'snapshot' | 'revocation';
    seq: number;
    kind?: string;
    id?: string;
  }) => void;
}

/** What the feed knows of its stream. */
export interface RevocationFeedStatus {
  connected: boolean;
  /** The seq the local state is current as of; 0 before the first snapshot. */
  seq: number;
  /** When the last event or heartbeat arrived (epoch ms), or null. */
  lastMessageAt: number | null;
  /** True when `check` fails closed for staleness (or before the first snapshot). */
  stale: boolean;
  /** The last connection failure, if any (never contains a credential). */
  lastError: string | null;
  snapshots: number;
  /** Reconnections that continued from Last-Event-ID without a snapshot. */
  resumes: number;
  connects: number;
  /** Entries held. */
  size: number;
}

/** The credential, or a refusal once `signal` aborts: a token function that never answers must not stall the feed. */
function resolve(source: CredentialSource, signal: AbortSignal): Promise<string> {
  const value = Promise.resolve().then(() => (typeof source === 'function' ? source() : source));
  return new Promise((ok, fail) => {
    const onAbort = () => fail(new Error('the token function did not answer in time'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    value.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        ok(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        fail(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Follows Mandate's revocation stream (`GET /v1/events`, server-sent events) and keeps a
 * `RevocationSet` current, so a remote enforcement point checks revocation in memory on every
 * request. It applies the snapshot and each event in seq order, reconnects after a drop with
 * `Last-Event-ID` (backoff with jitter) and catches up without missing an event, and tracks
 * freshness: when nothing (event or heartbeat) has arrived for `maxStalenessMs`, or before the
 * first snapshot, `check` fails closed with a reason saying so — or, if configured, asks
 * introspection — never open.
 *
 * @example
 * const feed = new RevocationFeed({ url: 'https://mandate.example.org', token: process.env.MANDATE_ADMIN_TOKEN!, maxStalenessMs: 10_000 }).start();
 * await feed.ready();
 * const verifier = new TokenVerifier({ issuer: 'https://mandate.example.org', audience: 'https://tools.example.org', jwksUri: 'https://mandate.example.org/.well-known/jwks.json', revocation: feed.check });
 */
export class RevocationFeed {
  readonly set = new RevocationSet();
  readonly #o: Required<Pick<RevocationFeedOptions, 'maxStalenessMs' | 'now' | 'fetch'>> &
    RevocationFeedOptions;
  readonly #url: string;
  #seq = 0;
  #synced = false;
  #lastEventId: string | undefined;
  #lastMessageAt: number | null = null;
  #lastError: string | null = null;
  #connected = false;
  #retryMs = 2000;
  #counts = { snapshots: 0, resumes: 0, connects: 0 };
  #closed = false;
  #started = false;
  #abort: AbortController | null = null;
  #wake: (() => void) | null = null;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #run: Promise<void> | null = null;
  /** When the current connection attempt started (epoch ms). */
  #attemptAt = 0;
  #readyWaiters: (() => void)[] = [];

  constructor(options: RevocationFeedOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new TypeError(
        'url must be an absolute http(s) url, such as https://mandate.example.org',
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new TypeError('url must be an http(s) url');
    const maxStalenessMs = options.maxStalenessMs ?? 15_000;
    if (!Number.isFinite(maxStalenessMs) || maxStalenessMs < 100)
      throw new TypeError('maxStalenessMs must be at least 100');
    if (typeof options.token !== 'string' && typeof options.token !== 'function')
      throw new TypeError('token must be a string or a function that returns one');
    this.#o = {
      ...options,
      maxStalenessMs,
      now: options.now ?? Date.now,
      fetch: options.fetch ?? fetch,
    };
    this.#url = `${base.href.replace(/\/+$/, '')}/v1/events`;
    this.check = this.check.bind(this);
  }

  /** Starts following the stream (idempotent); returns the feed. */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    this.#run = this.#loop();
    // A connection that goes silent (a dead peer, a stalled proxy) is dropped and reopened.
    this.#watchdog = setInterval(
      () => this.#checkSilence(),
      Math.min(1000, Math.max(50, this.#o.maxStalenessMs / 4)),
    );
    this.#watchdog.unref?.();
    return this;
  }

  /** Resolves once the first snapshot is applied; rejects after `timeoutMs` (default 10000) with the last connection error. */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolveReady, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `the revocation stream delivered no snapshot within ${timeoutMs} ms${this.#lastError ? `: ${this.#lastError}` : ''}`,
            ),
          ),
        timeoutMs,
      );
      this.#readyWaiters.push(() => {
        clearTimeout(timer);
        resolveReady();
      });
    });
  }

  /**
   * Why the principal's token must be refused: revoked (the set's reason), or the stream is not
   * fresh enough to tell (fails closed, or asks introspection when configured); null when it
   * may be used. Bound, so it can be passed as `TokenVerifier`'s `revocation` hook.
   */
  check(p: Principal): string | null | Promise<string | null> {
    const stale = this.#staleReason();
    if (stale !== null) return this.#o.introspection ? this.#introspect(p, stale) : stale;
    return this.set.check(p);
  }

  /** Like `check`, for an approval id. */
  checkApproval(id: string): string | null {
    return this.#staleReason() ?? this.set.checkApproval(id);
  }

  get status(): RevocationFeedStatus {
    return {
      connected: this.#connected,
      seq: this.#seq,
      lastMessageAt: this.#lastMessageAt,
      stale: this.#staleReason() !== null,
      lastError: this.#lastError,
      ...this.#counts,
      size: this.set.size,
    };
  }

  /** Stops following; `check` fails closed from now on. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#abort?.abort();
    this.#wake?.();
    await this.#run;
  }

  #staleReason(): string | null {
    const why = this.#lastError ? `; last error: ${this.#lastError}` : '';
    if (this.#closed)
      return 'revocation status unknown, failing closed: the revocation feed is closed';
    if (!this.#synced)
      return `revocation status unknown, failing closed: the revocation stream has not delivered its snapshot yet${why}`;
    const silent = this.#o.now() - (this.#lastMessageAt ?? 0);
    if (silent > this.#o.maxStalenessMs) {
      return `revocation status unknown, failing closed: the revocation stream is stale (no event or heartbeat for ${seconds(silent)}, at most ${seconds(this.#o.maxStalenessMs)} allowed)${why}`;
    }
    return null;
  }

  async #introspect(p: Principal, stale: string): Promise<string | null> {
    const intro = this.#o.introspection!;
    try {
      const signal = AbortSignal.timeout(intro.timeoutMs ?? 5000);
      const res = await this.#o.fetch(
        intro.url ?? this.#url.replace(/\/v1\/events$/, '/oauth/introspect'),
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await resolve(intro.token, signal)}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ token: p.token }),
          signal,
        },
      );
      if (res.status !== 200) throw new Error(`introspection answered ${res.status}`);
      const body = (await res.json()) as { active?: unknown };
      if (body.active === true) return null;
      if (body.active === false)
        return 'the token is not active (introspection, the revocation stream being stale)';
      throw new Error('introspection answered without a boolean `active`');
    } catch (err) {
      return `${stale}; introspection failed: ${(err as Error).message}`;
    }
  }

  async #loop(): Promise<void> {
    let attempt = 0;
    while (!this.#closed) {
      const heardBefore = this.#counts.snapshots + this.#counts.resumes;
      await this.#connect();
      if (this.#closed) return;
      // A connection that delivered its start resets the backoff.
      attempt = this.#counts.snapshots + this.#counts.resumes > heardBefore ? 0 : attempt + 1;
      const base = this.#o.reconnect?.initialDelayMs ?? this.#retryMs;
      const cap = Math.min(
        this.#o.reconnect?.maxDelayMs ?? 30_000,
        base * 2 ** Math.min(attempt, 16),
      );
      await this.#sleep(Math.random() * cap);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        done();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        done();
      };
    });
  }

  async #connect(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    this.#attemptAt = this.#o.now();
    const resumingFrom = this.#synced ? this.#lastEventId : undefined;
    let firstMessage = true;
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await resolve(this.#o.token, abort.signal)}`,
        accept: 'text/event-stream',
        'cache-control': 'no-store',
      };
      if (resumingFrom !== undefined) headers['last-event-id'] = resumingFrom;
      const res = await this.#o.fetch(this.#url, { headers, signal: abort.signal });
      if (res.status !== 200 || !res.body) {
        const detail = await res
          .text()
          .then(
            (t) => (JSON.parse(t) as { detail?: string }).detail ?? '',
            () => '',
          )
          .catch(() => '');
        throw new Error(`GET /v1/events answered ${res.status}${detail ? `: ${detail}` : ''}`);
      }
      if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream'))
        throw new Error('GET /v1/events did not answer with text/event-stream');
      this.#connected = true;
      this.#counts.connects++;
      const parser = new SseParser({
        onRetry: (ms) => {
          this.#retryMs = Math.max(100, ms);
        },
        onEvent: (e) => {
          if (firstMessage && e.type !== 'snapshot' && resumingFrom !== undefined)
            this.#counts.resumes++;
          firstMessage = false;
          this.#onEvent(e, abort);
        },
      });
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(value);
          if (abort.signal.aborted) break;
        }
      } finally {
        reader.cancel().catch(() => undefined);
      }
      if (!abort.signal.aborted) this.#lastError = 'the revocation stream ended';
    } catch (err) {
      if (!this.#closed && !abort.signal.aborted) this.#lastError = (err as Error).message;
    } finally {
      this.#connected = false;
      if (this.#abort === abort) this.#abort = null;
    }
  }

  #onEvent(e: SseEvent, connection: AbortController): void {
    try {
      if (e.type === 'snapshot') {
        const snapshot = parseRevocationSnapshot(e.data);
        this.set.load(snapshot);
        this.#seq = snapshot.seq;
        this.#lastEventId = e.lastEventId || String(snapshot.seq);
        this.#synced = true;
        this.#counts.snapshots++;
        this.#heard();
        this.#o.onUpdate?.({ type: 'snapshot', seq: snapshot.seq });
        this.#wakeReady();
      } else if (e.type === 'revocation') {
        const event = parseRevocationEvent(e.data);
        this.#heard();
        if (event.seq <= this.#seq) return; // already applied (a resume overlapping what we had)
        this.set.apply(event);
        this.#seq = event.seq;
        this.#lastEventId = e.lastEventId || String(event.seq);
        this.#o.onUpdate?.({ type: 'revocation', seq: event.seq, kind: event.kind, id: event.id });
      } else if (e.type === 'heartbeat') {
        const beat = JSON.parse(e.data) as { seq?: unknown };
        if (typeof beat.seq !== 'number') throw new TypeError('a heartbeat needs a numeric `seq`');
        if (beat.seq > this.#seq) {
          // Events up to beat.seq were sent before this heartbeat: one went missing. Reconnect from what we have.
          this.#lastError = `the stream is at seq ${beat.seq} but only ${this.#seq} arrived; reconnecting`;
          connection.abort();
          return;
        }
        if (beat.seq < this.#seq) {
          // The server's feed went back (another database): start afresh.
          this.#lastError = `the stream went back from seq ${this.#seq} to ${beat.seq}; reconnecting for a snapshot`;
          this.#lastEventId = undefined;
          this.#synced = false;
          connection.abort();
          return;
        }
        this.#heard();
        this.set.compact(this.#o.now());
      }
    } catch (err) {
      // A message we cannot read: drop the connection and resume; staleness keeps this fail-closed meanwhile.
      this.#lastError = `unreadable ${e.type} event: ${(err as Error).message}`;
      connection.abort();
    }
  }

  #heard(): void {
    this.#lastMessageAt = this.#o.now();
    if (this.#synced) this.#lastError = null;
  }

  #wakeReady(): void {
    if (!this.#synced) return;
    for (const w of this.#readyWaiters.splice(0)) w();
  }

  /** Drops a connection (or a connection attempt) that has been silent for longer than the staleness allowed. */
  #checkSilence(): void {
    if (this.#abort === null) return;
    const since = Math.max(this.#attemptAt, this.#lastMessageAt ?? 0);
    if (this.#o.now() - since > this.#o.maxStalenessMs) {
      this.#lastError = `nothing heard on the revocation stream for more than ${seconds(this.#o.maxStalenessMs)}; reconnecting`;
      this.#abort.abort();
    }
  }
}
