import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { digestsEqual, randomToken, sha256Hex } from '../core/random.js';
import type { SsfDelivery, SsfStreamRecord, SsfStreamStatus, Store } from '../core/store/index.js';
import { EVENTS_SUPPORTED } from './caep.js';
import { POLL, PUSH, type PollRequest, type Transmitter } from './transmitter.js';

/** What a receiver may set on a stream (SSF 1.0 §8.1.1: the receiver-supplied members). */
export interface StreamChange {
  delivery?:
    | { method: string; endpointUrl?: string | undefined; authorizationHeader?: string | undefined }
    | undefined;
  eventsRequested?: string[] | undefined;
  description?: string | undefined;
  /** Mandate's extension: the `aud` of the stream's SETs (default: the push endpoint's origin, or the stream's URN for poll). */
  audience?: string[] | undefined;
  /** Transmitter-supplied members a PATCH or PUT may echo; SSF 1.0 §8.1.1.3: they must match. */
  echoed?:
    | {
        iss?: string | undefined;
        eventsSupported?: string[] | undefined;
        eventsDelivered?: string[] | undefined;
      }
    | undefined;
}

/** Marks a receiver token in logs and secret scanners (the admin token's is `madm_`). */
export const RECEIVER_TOKEN_PREFIX = 'mssf_';

/** At most this many streams: each holds a queue in memory. */
export const MAX_STREAMS = 100;

/**
 * SSF stream management (SSF 1.0 §8.1.1–§8.1.4): create, read, update (PATCH), replace (PUT) and
 * delete streams, read and set their status, ask for a verification event. Each change is stored
 * and audited in one transaction, then handed to the transmitter.
 */
export class StreamService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly transmitter: Transmitter,
    private readonly issuer: string,
  ) {}

  /** Loads the stored streams into the transmitter (at start). */
  async load(): Promise<void> {
    for (const s of await this.store.read.ssfStreams.list()) this.transmitter.set(s);
  }

  /** The poll endpoint of a stream (RFC 8936: transmitter-supplied). */
  pollUrl(id: string): string {
    return `${this.issuer}/v1/ssf/poll/${id}`;
  }

  async get(id: string): Promise<SsfStreamRecord> {
    const s = await this.store.read.ssfStreams.get(id);
    if (!s)
      throw new MandateError('not_found', `stream \`${id.slice(0, 80)}\` does not exist`, {
        stream_id: id,
      });
    return s;
  }

  list(): Promise<SsfStreamRecord[]> {
    return this.store.read.ssfStreams.list();
  }

  /**
   * Creates a stream and its receiver token: 256 random bits, returned here once and kept only
   * as its SHA-256. The token lets the receiver poll, read and verify that stream alone.
   */
  async create(
    change: StreamChange,
    ctx: RequestContext,
  ): Promise<{ stream: SsfStreamRecord; receiverToken: string }> {
    const id = randomUUID();
    const receiverToken = `${RECEIVER_TOKEN_PREFIX}${randomToken(32)}`;
    const now = this.clock.now();
    if (!change.delivery)
      throw new MandateError('invalid_request', 'a stream needs `delivery` with its `method`');
    const delivery = this.#delivery(id, change.delivery);
    const stream: SsfStreamRecord = {
      id,
      audience: change.audience ?? defaultAudience(id, delivery),
      eventsRequested: this.#events(change.eventsRequested ?? []),
      delivery,
      description: change.description ?? null,
      status: 'enabled',
      statusReason: null,
      receiverTokenHash: sha256Hex(receiverToken),
      createdAt: now,
      updatedAt: now,
    };
    await this.store.transaction(async (tx) => {
      if ((await tx.ssfStreams.list()).length >= MAX_STREAMS)
        throw new MandateError(
          'conflict',
          `there are already ${MAX_STREAMS} streams; delete one first`,
        );
      await tx.ssfStreams.insert(stream);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'ssf.stream.create',
        target: `ssf_stream:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: details(stream),
      });
    });
    this.transmitter.set(stream);
    return { stream, receiverToken };
  }

  /**
   * Whether `presented` is the receiver token of stream `id`: false for an unknown stream, one
   * without a token, or any other token. Constant time in the token.
   */
  async isReceiverToken(id: string, presented: string): Promise<boolean> {
    const s = await this.store.read.ssfStreams.get(id);
    // INVARIANT: the stored value is the token's SHA-256, so a leaked row is not a credential.
    return (
      s !== undefined &&
      s.receiverTokenHash !== null &&
      digestsEqual(sha256Hex(presented), s.receiverTokenHash)
    );
  }

  /**
   * PATCH (SSF 1.0 §8.1.1.3, `replace` false: the members given change, the others stay) or PUT
   * (§8.1.1.4, `replace` true: a receiver-supplied member left out is reset to its default).
   * Echoed transmitter-supplied members must match; the delivery method never changes.
   */
  async update(
    id: string,
    change: StreamChange,
    replace: boolean,
    ctx: RequestContext,
  ): Promise<SsfStreamRecord> {
    const stream = await this.#change(id, ctx, 'update', (s) => {
      if (replace && !change.delivery)
        throw new MandateError(
          'invalid_request',
          'a replaced stream needs `delivery` with its `method`',
        );
      let delivery = change.delivery ? this.#delivery(id, change.delivery) : s.delivery;
      if (delivery.method !== s.delivery.method)
        throw new MandateError(
          'invalid_request',
          `a stream's delivery method cannot change (it is \`${s.delivery.method}\`); create another stream`,
        );
      // The authorization header is never read back, so a PATCH cannot echo it: one left out is
      // kept, but only for the same endpoint (never sent to a new one).
      if (
        !replace &&
        change.delivery?.authorizationHeader === undefined &&
        delivery.endpointUrl === s.delivery.endpointUrl
      )
        delivery = { ...delivery, authorizationHeader: s.delivery.authorizationHeader };
      const eventsRequested =
        change.eventsRequested !== undefined
          ? this.#events(change.eventsRequested)
          : replace
            ? []
            : s.eventsRequested;
      this.#checkEchoed(change.echoed, s.eventsRequested, eventsRequested);
      return {
        ...s,
        delivery,
        eventsRequested,
        description:
          change.description !== undefined ? change.description : replace ? null : s.description,
        audience: change.audience ?? (replace ? defaultAudience(id, delivery) : s.audience),
      };
    });
    return stream;
  }

  /** SSF 1.0 §8.1.1.3/§8.1.1.4: transmitter-supplied members besides `stream_id` may be sent, but must match. */
  #checkEchoed(echoed: StreamChange['echoed'], before: string[], after: string[]): void {
    if (!echoed) return;
    const same = (a: readonly string[], b: readonly string[]) =>
      a.length === b.length && a.every((x) => b.includes(x));
    if (echoed.iss !== undefined && echoed.iss !== this.issuer)
      throw new MandateError(
        'invalid_request',
        `\`iss\` is supplied by the transmitter and is \`${this.issuer}\`; leave it out or send it unchanged`,
      );
    if (echoed.eventsSupported !== undefined && !same(echoed.eventsSupported, EVENTS_SUPPORTED))
      throw new MandateError(
        'invalid_request',
        '`events_supported` is supplied by the transmitter; leave it out or send it unchanged',
      );
    // Either what was delivered (a configuration read, changed and sent back) or what will be.
    if (
      echoed.eventsDelivered !== undefined &&
      !same(echoed.eventsDelivered, before) &&
      !same(echoed.eventsDelivered, after)
    )
      throw new MandateError(
        'invalid_request',
        '`events_delivered` is supplied by the transmitter; leave it out or send it unchanged',
      );
  }

  async setStatus(
    id: string,
    status: SsfStreamStatus,
    reason: string | undefined,
    ctx: RequestContext,
  ): Promise<SsfStreamRecord> {
    return this.#change(id, ctx, 'update', (s) => ({ ...s, status, statusReason: reason ?? null }));
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.ssfStreams.delete(id)))
        throw new MandateError('not_found', `stream \`${id.slice(0, 80)}\` does not exist`, {
          stream_id: id,
        });
      await tx.audit.append({
        actor: ctx.actor,
        action: 'ssf.stream.delete',
        target: `ssf_stream:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {},
      });
    });
    this.transmitter.remove(id);
  }

  /** RFC 8936 §2.4: a poll of a poll stream; polling a push stream is a mistake worth saying. */
  async poll(
    id: string,
    req: PollRequest,
  ): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
    const s = await this.get(id);
    if (s.delivery.method !== POLL)
      throw new MandateError(
        'invalid_request',
        `stream \`${id}\` delivers by push (\`${PUSH}\`); only a poll stream (\`${POLL}\`) is polled`,
        { stream_id: id },
      );
    return this.transmitter.poll(id, req);
  }

  /** SSF 1.0 §8.1.4.2: queues a verification event carrying `state`. */
  async verify(id: string, state: string | undefined, ctx: RequestContext): Promise<void> {
    const s = await this.get(id);
    if (s.status === 'disabled')
      throw new MandateError('conflict', `stream \`${id}\` is disabled; enable it to verify it`);
    await this.store.transaction((tx) =>
      tx.audit.append({
        actor: ctx.actor,
        action: 'ssf.stream.verify',
        target: `ssf_stream:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: {},
      }),
    );
    await this.transmitter.verify(id, state);
  }

  async #change(
    id: string,
    ctx: RequestContext,
    verb: 'update',
    fn: (s: SsfStreamRecord) => SsfStreamRecord,
  ): Promise<SsfStreamRecord> {
    const stream = await this.store.transaction(async (tx) => {
      const s = await tx.ssfStreams.get(id);
      if (!s)
        throw new MandateError('not_found', `stream \`${id.slice(0, 80)}\` does not exist`, {
          stream_id: id,
        });
      const updated = { ...fn(s), updatedAt: this.clock.now() };
      await tx.ssfStreams.update(updated);
      await tx.audit.append({
        actor: ctx.actor,
        action: `ssf.stream.${verb}`,
        target: `ssf_stream:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: details(updated),
      });
      return updated;
    });
    this.transmitter.set(stream);
    return stream;
  }

  #delivery(id: string, d: NonNullable<StreamChange['delivery']>): SsfDelivery {
    if (d.method === POLL) {
      if (d.endpointUrl !== undefined && d.endpointUrl !== this.pollUrl(id))
        throw new MandateError(
          'invalid_request',
          'for poll delivery Mandate supplies `endpoint_url`; leave it out',
        );
      return { method: POLL, endpointUrl: this.pollUrl(id), authorizationHeader: null };
    }
    if (d.method !== PUSH)
      throw new MandateError(
        'invalid_request',
        `delivery method \`${d.method.slice(0, 80)}\` is not supported; use \`${PUSH}\` or \`${POLL}\``,
      );
    if (!d.endpointUrl)
      throw new MandateError(
        'invalid_request',
        "push delivery needs the receiver's `endpoint_url`",
      );
    let url: URL;
    try {
      url = new URL(d.endpointUrl);
    } catch {
      throw new MandateError('invalid_request', '`endpoint_url` is not a url');
    }
    if (
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.hash ||
      url.username ||
      url.password
    )
      throw new MandateError(
        'invalid_request',
        '`endpoint_url` must be an http(s) url without credentials or fragment',
      );
    return {
      method: PUSH,
      endpointUrl: url.href,
      authorizationHeader: d.authorizationHeader ?? null,
    };
  }

  #events(requested: string[]): string[] {
    // SSF 1.0 §8.1.1: the transmitter delivers the requested events it supports; the rest are ignored.
    return [...new Set(requested)].filter((e) => EVENTS_SUPPORTED.includes(e));
  }
}

/** The `aud` of a stream's SETs when the receiver names none: the push endpoint's origin, or the stream's URN. */
function defaultAudience(id: string, delivery: SsfDelivery): string[] {
  return [
    delivery.method === PUSH
      ? new URL(delivery.endpointUrl).origin
      : `urn:mandate:ssf:stream:${id}`,
  ];
}

/** What the audit log keeps of a stream: never the receiver's authorization header. */
function details(s: SsfStreamRecord): Record<string, unknown> {
  return {
    method: s.delivery.method,
    endpoint_url: s.delivery.endpointUrl,
    aud: s.audience,
    events: s.eventsRequested,
    status: s.status,
    reason: s.statusReason,
  };
}
