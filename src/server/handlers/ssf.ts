import { z } from 'zod';
import type { SsfStreamRecord } from '../../core/store/index.js';
import { EVENTS_SUPPORTED } from '../../ssf/caep.js';
import type { StreamChange } from '../../ssf/streams.js';
import { POLL, PUSH } from '../../ssf/transmitter.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { streamReceiverAuth } from './ssf-auth.js';

/**
 * The Shared Signals Framework 1.0 transmitter's discovery and stream management (SSF §7, §8.1),
 * authenticated by the admin token; a stream's own configuration and status reads and its
 * verification request also by that stream's receiver token (`streamReceiverAuth`, checked
 * before the input is parsed). The domain is src/ssf/; docs/ssf.md.
 */

const base = (m: Mandate) => `${m.config.issuer}/v1/ssf`;

/** SSF 1.0 §7.1: the transmitter configuration metadata. */
export const ssfConfiguration = route({
  method: 'GET',
  url: '/.well-known/ssf-configuration',
  auth: 'none',
  audit: null,
  summary: 'Shared Signals Framework 1.0 transmitter configuration metadata',
  tag: 'ssf',
  responses: { 200: 'Transmitter metadata (SSF 1.0 §7.1)' },
  async handler({ mandate }) {
    return {
      spec_version: '1_0',
      issuer: mandate.config.issuer,
      jwks_uri: `${mandate.config.issuer}/.well-known/jwks.json`,
      delivery_methods_supported: [PUSH, POLL],
      configuration_endpoint: `${base(mandate)}/streams`,
      status_endpoint: `${base(mandate)}/status`,
      verification_endpoint: `${base(mandate)}/verify`,
      // Every subject is in every stream: Mandate has no add/remove subject endpoints (docs/ssf.md).
      default_subjects: 'ALL',
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6750' }],
    };
  },
});

export function streamJson(m: Mandate, s: SsfStreamRecord) {
  return {
    stream_id: s.id,
    iss: m.config.issuer,
    aud: s.audience.length === 1 ? s.audience[0] : s.audience,
    delivery: { method: s.delivery.method, endpoint_url: s.delivery.endpointUrl },
    events_supported: EVENTS_SUPPORTED,
    events_requested: s.eventsRequested,
    events_delivered: s.eventsRequested,
    ...(s.description !== null ? { description: s.description } : {}),
  };
}

const delivery = z.object({
  method: z.string().max(64),
  endpoint_url: z.string().max(2048).optional(),
  authorization_header: z.string().max(4096).optional(),
});
const change = z.object({
  delivery: delivery.optional(),
  events_requested: z.array(z.string().max(256)).max(32).optional(),
  description: z.string().max(512).optional(),
  aud: z
    .union([z.string().min(1).max(512), z.array(z.string().min(1).max(512)).min(1).max(10)])
    .optional(),
});
type ChangeBody = z.infer<typeof change>;
const events = z.array(z.string().max(256)).max(64);
// SSF 1.0 §8.1.1.3/§8.1.1.4: a PATCH or PUT may echo transmitter-supplied members (they must match).
const withId = change.extend({
  stream_id: z.string().min(1).max(128),
  iss: z.string().max(512).optional(),
  events_supported: events.optional(),
  events_delivered: events.optional(),
});
type UpdateBody = z.infer<typeof withId>;
const idQuery = z.object({ stream_id: z.string().min(1).max(128) });

function changeOf(b: ChangeBody): StreamChange {
  return {
    delivery: b.delivery && {
      method: b.delivery.method,
      endpointUrl: b.delivery.endpoint_url,
      authorizationHeader: b.delivery.authorization_header,
    },
    eventsRequested: b.events_requested,
    description: b.description,
    audience: b.aud === undefined ? undefined : Array.isArray(b.aud) ? b.aud : [b.aud],
  };
}

function updateOf(b: UpdateBody): StreamChange {
  return {
    ...changeOf(b),
    echoed: {
      iss: b.iss,
      eventsSupported: b.events_supported,
      eventsDelivered: b.events_delivered,
    },
  };
}

export const createStream = route({
  method: 'POST',
  url: '/v1/ssf/streams',
  auth: 'admin',
  audit: 'ssf.stream.create',
  summary:
    "Create an SSF stream (SSF 1.0 §8.1.1.1): delivery push (receiver endpoint_url) or poll (Mandate supplies endpoint_url); answers the stream's receiver_token once",
  tag: 'ssf',
  body: change,
  responses: {
    201: 'The stream configuration, with `receiver_token` (a Mandate extension, shown only here)',
    400: 'Malformed configuration',
    409: 'Too many streams',
  },
  async handler({ mandate, body, ctx, reply }) {
    const { stream, receiverToken } = await mandate.ssf.streams.create(changeOf(body), ctx);
    void reply.code(201);
    // Mandate's extension: the receiver's bearer token for this stream alone, never shown again.
    return { ...streamJson(mandate, stream), receiver_token: receiverToken };
  },
});

export const readStream = route({
  method: 'GET',
  url: '/v1/ssf/streams',
  auth: streamReceiverAuth('query'),
  audit: null,
  summary:
    'Read one stream (`stream_id`: admin token or its receiver token) or all of them (admin token) (SSF 1.0 §8.1.1.2)',
  tag: 'ssf',
  query: z.object({ stream_id: z.string().min(1).max(128).optional() }),
  responses: {
    200: 'The stream configuration, or an array of all',
    401: "Neither the admin token nor the stream's receiver token",
    404: 'No such stream',
  },
  async handler({ mandate, query }) {
    if (query.stream_id === undefined)
      return (await mandate.ssf.streams.list()).map((s) => streamJson(mandate, s));
    return streamJson(mandate, await mandate.ssf.streams.get(query.stream_id));
  },
});

export const updateStream = route({
  method: 'PATCH',
  url: '/v1/ssf/streams',
  auth: 'admin',
  audit: 'ssf.stream.update',
  summary:
    'Update a stream: the members given change, the others stay; echoed transmitter-supplied members must match (SSF 1.0 §8.1.1.3)',
  tag: 'ssf',
  body: withId,
  responses: { 200: 'The stream configuration', 400: 'Malformed change', 404: 'No such stream' },
  async handler({ mandate, body, ctx }) {
    return streamJson(
      mandate,
      await mandate.ssf.streams.update(body.stream_id, updateOf(body), false, ctx),
    );
  },
});

export const replaceStream = route({
  method: 'PUT',
  url: '/v1/ssf/streams',
  auth: 'admin',
  audit: 'ssf.stream.update',
  summary:
    "Replace a stream's receiver-supplied members: one left out is reset to its default (SSF 1.0 §8.1.1.4)",
  tag: 'ssf',
  body: withId,
  responses: {
    200: 'The stream configuration',
    400: 'Malformed configuration',
    404: 'No such stream',
  },
  async handler({ mandate, body, ctx }) {
    return streamJson(
      mandate,
      await mandate.ssf.streams.update(body.stream_id, updateOf(body), true, ctx),
    );
  },
});

export const deleteStream = route({
  method: 'DELETE',
  url: '/v1/ssf/streams',
  auth: 'admin',
  audit: 'ssf.stream.delete',
  summary: 'Delete a stream; its undelivered SETs are dropped (SSF 1.0 §8.1.1.5)',
  tag: 'ssf',
  query: idQuery,
  responses: { 204: 'Deleted', 404: 'No such stream' },
  async handler({ mandate, query, ctx, reply }) {
    await mandate.ssf.streams.delete(query.stream_id, ctx);
    void reply.code(204);
    return undefined;
  },
});

const statusJson = (s: SsfStreamRecord) => ({
  stream_id: s.id,
  status: s.status,
  ...(s.statusReason !== null ? { reason: s.statusReason } : {}),
});

export const readStreamStatus = route({
  method: 'GET',
  url: '/v1/ssf/status',
  auth: streamReceiverAuth('query'),
  audit: null,
  summary:
    "A stream's status: enabled, paused or disabled (SSF 1.0 §8.1.2.1); admin token or the stream's receiver token",
  tag: 'ssf',
  query: idQuery,
  responses: {
    200: '{stream_id, status, reason?, queue: {queued, max, dropped_risk, dropped_raises, dropped_other, coalesced}}',
    401: "Neither the admin token nor the stream's receiver token",
    404: 'No such stream',
  },
  async handler({ mandate, query }) {
    const stream = await mandate.ssf.streams.get(query.stream_id);
    // Mandate's extension: queue pressure, so a receiver sees what it is losing (docs/ssf.md).
    const q = mandate.ssf.transmitter.pressure(stream.id);
    return {
      ...statusJson(stream),
      queue: {
        queued: q?.queued ?? 0,
        max: q?.max ?? 0,
        dropped_risk: q?.droppedRisk ?? 0,
        dropped_raises: q?.droppedRaises ?? 0,
        dropped_other: q?.droppedOther ?? 0,
        coalesced: q?.coalesced ?? 0,
      },
    };
  },
});

export const updateStreamStatus = route({
  method: 'POST',
  url: '/v1/ssf/status',
  auth: 'admin',
  audit: 'ssf.stream.update',
  summary: "Set a stream's status (SSF 1.0 §8.1.2.2): paused holds its SETs, disabled drops them",
  tag: 'ssf',
  body: z.object({
    stream_id: z.string().min(1).max(128),
    status: z.enum(['enabled', 'paused', 'disabled']),
    reason: z.string().max(512).optional(),
  }),
  responses: {
    200: '{stream_id, status, reason?}',
    400: 'Malformed status',
    404: 'No such stream',
  },
  async handler({ mandate, body, ctx }) {
    return statusJson(
      await mandate.ssf.streams.setStatus(body.stream_id, body.status, body.reason, ctx),
    );
  },
});

export const verifyStream = route({
  method: 'POST',
  url: '/v1/ssf/verify',
  auth: streamReceiverAuth('body'),
  audit: 'ssf.stream.verify',
  summary:
    "Ask for a verification event on a stream, echoing `state` (SSF 1.0 §8.1.4.2); admin token or the stream's receiver token",
  tag: 'ssf',
  body: z.object({ stream_id: z.string().min(1).max(128), state: z.string().max(1024).optional() }),
  responses: {
    204: 'The verification event is queued',
    401: "Neither the admin token nor the stream's receiver token",
    404: 'No such stream',
    409: 'The stream is disabled',
  },
  async handler({ mandate, body, ctx, reply }) {
    await mandate.ssf.streams.verify(body.stream_id, body.state, ctx);
    void reply.code(204);
    return undefined;
  },
});
