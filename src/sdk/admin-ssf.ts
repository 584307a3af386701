import type { Http } from './http.js';

/** SSF delivery methods: RFC 8935 push, RFC 8936 poll. */
export const SSF_DELIVERY = { push: 'urn:ietf:rfc:8935', poll: 'urn:ietf:rfc:8936' } as const;

/** The CAEP 1.0 event types Mandate transmits, by their short names (openid-caep-1_0 §3). */
export const CAEP_EVENT_TYPES = {
  'session-revoked': 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  'credential-change': 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  'token-claims-change': 'https://schemas.openid.net/secevent/caep/event-type/token-claims-change',
  'risk-level-change': 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change',
} as const;

/** A stream's configuration (SSF 1.0 §8.1.1). */
export interface SsfStream {
  stream_id: string;
  iss: string;
  aud: string | string[];
  /** `endpoint_url`: the receiver's for push, Mandate's poll endpoint for poll. */
  delivery: { method: string; endpoint_url: string };
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  description?: string;
}

/** A new stream, with its receiver token: shown only in this answer. */
export interface CreatedSsfStream extends SsfStream {
  receiver_token: string;
}

export interface CreateSsfStreamInput {
  /** Push needs the receiver's `endpoint_url` (and may give the `authorization_header` Mandate sends); poll takes none. */
  delivery: { method: string; endpoint_url?: string; authorization_header?: string };
  /** Event type URIs; only those Mandate supports are kept. */
  events_requested?: string[];
  description?: string;
  /** The `aud` of the stream's SETs (a Mandate extension); by default the push endpoint's origin or the stream's URN. */
  aud?: string | string[];
}

export type SsfStatus = 'enabled' | 'paused' | 'disabled';

export interface SsfStreamStatus {
  stream_id: string;
  status: SsfStatus;
  reason?: string;
  /** Mandate's extension, on reads: the stream's queue pressure (docs/ssf.md). */
  queue?: {
    queued: number;
    max: number;
    dropped_risk: number;
    dropped_raises: number;
    dropped_other: number;
    coalesced: number;
  };
}

/** An RFC 8936 poll request. */
export interface SsfPollInput {
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
  maxEvents?: number;
  returnImmediately?: boolean;
}

export interface SsfPollResult {
  /** SETs by `jti`. */
  sets: Record<string, string>;
  moreAvailable: boolean;
}

const q = (id: string): string => `stream_id=${encodeURIComponent(id)}`;

/**
 * Mandate's Shared Signals transmitter through the admin API (docs/ssf.md):
 * `MandateAdminClient.ssf`.
 *
 * @example
 * const stream = await admin.ssf.createStream({ delivery: { method: SSF_DELIVERY.poll }, events_requested: [CAEP_EVENT_TYPES['session-revoked']] });
 * const { sets } = await admin.ssf.poll(stream.stream_id, { returnImmediately: true });
 */
export class SsfAdmin {
  constructor(private readonly http: Http) {}

  createStream(input: CreateSsfStreamInput): Promise<CreatedSsfStream> {
    return this.http.json('POST', '/v1/ssf/streams', input);
  }
  listStreams(): Promise<SsfStream[]> {
    return this.http.json('GET', '/v1/ssf/streams');
  }
  getStream(id: string): Promise<SsfStream> {
    return this.http.json('GET', `/v1/ssf/streams?${q(id)}`);
  }
  /** Deletes a stream; its undelivered SETs are dropped. */
  async deleteStream(id: string): Promise<void> {
    await this.http.json('DELETE', `/v1/ssf/streams?${q(id)}`);
  }
  status(id: string): Promise<SsfStreamStatus> {
    return this.http.json('GET', `/v1/ssf/status?${q(id)}`);
  }
  /** `paused` holds the stream's SETs until enabled; `disabled` drops them. */
  setStatus(id: string, status: SsfStatus, reason?: string): Promise<SsfStreamStatus> {
    return this.http.json('POST', '/v1/ssf/status', {
      stream_id: id,
      status,
      ...(reason !== undefined ? { reason } : {}),
    });
  }
  /** Asks for a verification event on the stream, echoing `state`. */
  async verify(id: string, state?: string): Promise<void> {
    await this.http.json('POST', '/v1/ssf/verify', {
      stream_id: id,
      ...(state !== undefined ? { state } : {}),
    });
  }
  poll(id: string, input: SsfPollInput = {}): Promise<SsfPollResult> {
    return this.http.json('POST', `/v1/ssf/poll/${encodeURIComponent(id)}`, input);
  }
}
