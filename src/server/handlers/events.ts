import type { ServerResponse } from 'node:http';
import { MandateError } from '../../core/errors.js';
import type { BusMessage, StreamStart } from '../../revocation/bus.js';
import { eventJson } from '../../revocation/events.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { bearerToken } from '../../protocol/authorization-header.js';

/**
 * `GET /v1/events`: the revocation feed as server-sent events (WHATWG HTML §9.2), for remote
 * enforcement points (the SDK's `RevocationFeed`). On connect: a `snapshot` of every unexpired
 * revocation, or, with a `Last-Event-ID` still in the server's history, only the events after it;
 * then each `revocation` event as it commits (`id:` its seq) and a `heartbeat` every
 * `eventsHeartbeat` seconds. See docs/revocation.md.
 *
 * Who may listen: the admin token, or the JWT-SVID (audience `<issuer>/v1/events`) of an active
 * agent of this trust domain labelled `enforcement-point`.
 */

/** The label that lets an agent's JWT-SVID open the stream. */
export const ENFORCEMENT_POINT_LABEL = 'enforcement-point';

/** Events queued behind a slow reader beyond this are not buffered: the stream is dropped, and the client resumes from its Last-Event-ID. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** A reader that has not taken what was written (a snapshot included) for this long is dropped: its buffers go with it. */
const MAX_STALLED_MS = 60_000;

export interface SseMessage {
  event?: string;
  id?: string;
  data?: string;
  retry?: number;
  comment?: string;
}

/** One SSE message: every line of `data` on its own `data:` line, a blank line at the end. */
export function formatSse(m: SseMessage): string {
  let out = '';
  if (m.comment !== undefined)
    for (const line of m.comment.split(/\r\n|\r|\n/)) out += `:${line === '' ? '' : ` ${line}`}\n`;
  if (m.retry !== undefined) out += `retry: ${m.retry}\n`;
  if (m.id !== undefined) out += `id: ${m.id}\n`;
  if (m.event !== undefined) out += `event: ${m.event}\n`;
  if (m.data !== undefined) for (const line of m.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

export function formatBusMessage(m: Exclude<BusMessage, { type: 'close' }>): string {
  if (m.type === 'heartbeat')
    return formatSse({ event: 'heartbeat', data: JSON.stringify({ seq: m.seq, time: m.time }) });
  return formatSse({
    id: String(m.event.seq),
    event: 'revocation',
    data: JSON.stringify(eventJson(m.event)),
  });
}

function formatStart(start: StreamStart): string {
  if ('snapshot' in start)
    return formatSse({
      id: String(start.snapshot.seq),
      event: 'snapshot',
      data: JSON.stringify(start.snapshot),
    });
  return start.events.map((event) => formatBusMessage({ type: 'revocation', event })).join('');
}

/** Who is listening: `admin`, or the enforcement point's SPIFFE ID. */
async function authenticate(mandate: Mandate, header: string | undefined): Promise<string> {
  const token = bearerToken(header);
  if (token === undefined)
    throw new MandateError(
      'unauthorized',
      "send the admin token or an enforcement point's jwt-svid: `Authorization: Bearer <token>`",
    );
  if (await mandate.adminToken.check(token)) return 'admin';
  if (token.split('.').length !== 3)
    throw new MandateError(
      'unauthorized',
      'the bearer token is neither the admin token nor a jwt-svid',
    );
  const audience = `${mandate.config.issuer}/v1/events`;
  let spiffeId: string;
  try {
    const svid = await mandate.svids.verify(token, audience, 'the jwt-svid', 'invalid_request');
    if (!svid.local)
      throw new MandateError(
        'unauthorized',
        `the jwt-svid is from trust domain \`${svid.trustDomain}\`; only this trust domain's enforcement points may listen`,
      );
    spiffeId = svid.spiffeId;
  } catch (err) {
    if (err instanceof MandateError && err.code !== 'unauthorized')
      throw new MandateError('unauthorized', `${err.message} (audience \`${audience}\`)`);
    throw err;
  }
  const agent = await mandate.agents.findBySpiffeId(spiffeId);
  if (!agent || agent.status !== 'active')
    throw new MandateError('forbidden', `agent \`${spiffeId}\` is not active`);
  if (!(ENFORCEMENT_POINT_LABEL in agent.labels))
    throw new MandateError(
      'forbidden',
      `agent \`${spiffeId}\` is not an enforcement point: give it the label \`${ENFORCEMENT_POINT_LABEL}\``,
    );
  return spiffeId;
}

/** A `Last-Event-ID` this server could have sent: a seq. Anything else means "start afresh". */
function lastEventIdOf(value: string | string[] | undefined): number | undefined {
  return typeof value === 'string' && /^\d{1,15}$/.test(value.trim())
    ? Number(value.trim())
    : undefined;
}

/** Writes to the socket without ever buffering more than MAX_QUEUED_BYTES behind a slow reader. */
class SseWriter {
  readonly #res: ServerResponse;
  #queue: string[] = [];
  #queued = 0;
  #waiting = false;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  write(text: string): void {
    if (this.#res.destroyed || this.#res.writableEnded) return;
    if (this.#waiting) {
      this.#queue.push(text);
      this.#queued += Buffer.byteLength(text);
      if (this.#queued > MAX_QUEUED_BYTES) this.#res.destroy();
      return;
    }
    if (!this.#res.write(text)) {
      this.#waiting = true;
      const stalled = setTimeout(() => this.#res.destroy(), MAX_STALLED_MS).unref();
      const done = () => clearTimeout(stalled);
      this.#res.once('close', done);
      this.#res.once('drain', () => {
        done();
        this.#res.off('close', done);
        this.#drain();
      });
    }
  }

  end(): void {
    if (!this.#res.writableEnded) this.#res.end();
    // A reader that stopped reading must not keep the server from closing.
    setTimeout(() => this.#res.destroy(), 1000).unref();
  }

  #drain(): void {
    this.#waiting = false;
    const text = this.#queue.join('');
    this.#queue = [];
    this.#queued = 0;
    if (text !== '') this.write(text);
  }
}

export const events = route({
  method: 'GET',
  url: '/v1/events',
  auth: 'none',
  audit: null,
  summary:
    "The revocation event stream (server-sent events): a snapshot or the events after `Last-Event-ID`, then each revocation (`id:` its seq) and heartbeats. Admin token or an enforcement point's JWT-SVID",
  tag: 'revocation',
  responses: {
    200: {
      description:
        'An event stream: `snapshot`, `revocation` and `heartbeat` events (docs/revocation.md)',
      contentType: 'text/event-stream',
    },
    401: 'Neither the admin token nor a valid JWT-SVID for `<issuer>/v1/events`',
    403: "The JWT-SVID's agent is inactive or not labelled `enforcement-point`",
    503: 'Too many open streams (`Retry-After`)',
  },
  async handler({ mandate, request, reply }) {
    const listener = await authenticate(mandate, request.headers.authorization);
    // The client may have gone while it was authenticated: its close has fired already.
    if (request.raw.destroyed || request.raw.socket.destroyed) {
      reply.hijack();
      return undefined;
    }
    if (!mandate.eventStreams.take()) {
      reply.header('retry-after', String(mandate.config.eventsRetry));
      throw new MandateError(
        'unavailable',
        `too many revocation streams are open (at most ${mandate.eventStreams.max}); try again later`,
      );
    }
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'close',
      'x-request-id': String(request.id),
    });
    res.socket?.setNoDelay(true);
    const out = new SseWriter(res);
    out.write(formatSse({ retry: mandate.config.eventsRetry * 1000 }));
    // INVARIANT: subscribe and streamStart run in one synchronous step, so the first message the
    // listener gets has a higher seq than anything the start contains.
    const unsubscribe = mandate.revocationBus.subscribe((m) => {
      if (m.type === 'close') return out.end();
      out.write(formatBusMessage(m));
      // An enforcement point suspended or retired stops listening with the event that says so.
      if (
        m.type === 'revocation' &&
        m.event.kind === 'agent' &&
        m.event.subject === listener &&
        m.event.status !== 'active'
      )
        out.end();
    });
    out.write(
      formatStart(
        mandate.revocationBus.streamStart(lastEventIdOf(request.headers['last-event-id'])),
      ),
    );
    res.once('close', () => {
      unsubscribe();
      mandate.eventStreams.release();
      // The client went away (its half of the socket may stay open): free the socket, or the server could not close.
      res.destroy();
    });
    // Suspended or retired between authentication and subscribing: the event is not coming, so check now.
    if (listener !== 'admin') {
      // The reply is hijacked: a failing read ends the stream (the client resumes) rather than escaping.
      const agent = await mandate.agents.findBySpiffeId(listener).catch(() => undefined);
      if (agent?.status !== 'active') out.end();
    }
    return undefined;
  },
});
