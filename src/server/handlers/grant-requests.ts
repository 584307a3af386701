import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { GrantRecord, GrantRequestRecord } from '../../core/store/index.js';
import { signedIn } from '../human-auth.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { peerVerifier } from './oauth.js';

/**
 * Grant requests (src/delegation/grant-requests.ts). The agent asks with a form authenticated
 * like the token endpoint (a JWT-SVID client assertion, or its X.509-SVID over mutual TLS): it
 * may not have a task yet — the grant is what gives it one — and the assertion proves exactly
 * which agent asks. The human asked (or the admin) answers; the agent polls the status with a
 * fresh assertion, or hears from the webhook, then exchanges the grant id (the request's id) for
 * an on-behalf-of task token at /oauth/token.
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function grantRequestJson(r: GrantRequestRecord) {
  return {
    id: r.id,
    status: r.status,
    agent: r.agent,
    human: r.human,
    scopes: r.scopes,
    purpose: r.purpose,
    duration_seconds: r.durationSeconds,
    created_at: iso(r.createdAt),
    expires_at: iso(r.expiresAt),
    decided_at: iso(r.decidedAt),
    decided_by: r.decidedBy,
    note: r.note,
  };
}

const grantBrief = (g: GrantRecord) => ({
  id: g.id,
  status: g.status,
  scopes: g.scopes,
  expires_at: iso(g.expiresAt),
});

/** The authenticated local agent behind a form (assertion spent). */
async function agentOf(mandate: Mandate, request: FastifyRequest, form: URLSearchParams) {
  const client = await mandate.clientAuth.authenticate(form, peerVerifier(mandate, request));
  if (!client.agent)
    throw new MandateError(
      'unauthorized_client',
      'only agents registered in this trust domain ask humans for grants',
    );
  await mandate.clientAuth.consumeAssertion(client);
  return client.agent;
}

function once(form: URLSearchParams, name: string, required: boolean): string | undefined {
  const all = form.getAll(name);
  if (all.length > 1) throw new MandateError('invalid_request', `\`${name}\` must be sent once`);
  if (required && !all[0]) throw new MandateError('invalid_request', `\`${name}\` is required`);
  return all[0];
}

export const createGrantRequest = route<URLSearchParams>({
  method: 'POST',
  url: '/v1/grant-requests',
  auth: 'none',
  audit: 'grant_request.create',
  summary:
    'An agent asks a human for access (form: client assertion, `owner`, `scope`, `purpose`, `duration` in seconds); the human is notified',
  tag: 'delegation',
  form: true,
  responses: {
    201: 'The pending request; its id becomes the grant id once approved',
    400: "Invalid input or scopes beyond the agent's",
    401: 'invalid_client',
    409: 'Too many unanswered requests',
  },
  async handler({ mandate, body, request, reply, ctx }) {
    const agent = await agentOf(mandate, request, body);
    const duration = once(body, 'duration', true)!;
    if (!/^\d{1,9}$/u.test(duration))
      throw new MandateError('invalid_request', '`duration` must be a whole number of seconds');
    const r = await mandate.delegation.requests.request(
      {
        agent,
        human: once(body, 'owner', true)!,
        scopes: (once(body, 'scope', true) ?? '').split(' '),
        purpose: once(body, 'purpose', true)!,
        durationSeconds: Number(duration),
      },
      { actor: agent.spiffeId, requestId: ctx.requestId },
    );
    reply.status(201);
    return {
      ...grantRequestJson(r),
      status_url: `${mandate.config.issuer}/v1/grant-requests/${r.id}/status`,
      interval: 5,
    };
  },
});

export const grantRequestStatus = route<URLSearchParams, undefined, { id: string }>({
  method: 'POST',
  url: '/v1/grant-requests/:id/status',
  auth: 'none',
  audit: null,
  summary:
    "The requesting agent polls its request (form: client assertion): pending, approved (with the grant's terms), denied or expired",
  tag: 'delegation',
  form: true,
  params: z.object({ id: z.string().min(1).max(80) }),
  responses: {
    200: '`{id, status, grant_id?, scopes?, expires_at?}`',
    401: 'invalid_client',
    404: 'No such request of this agent',
  },
  async handler({ mandate, body, params, request }) {
    const agent = await agentOf(mandate, request, body);
    const r = await mandate.delegation.requests.get(params.id);
    // The same answer for "no such request" and "another agent's".
    if (!r || r.agent !== agent.spiffeId)
      throw new MandateError('not_found', `no grant request \`${params.id}\` of this agent`, {
        id: params.id,
      });
    const grant = r.status === 'approved' ? await mandate.delegation.grants.find(r.id) : undefined;
    return {
      id: r.id,
      status: r.status,
      request_expires_at: iso(r.expiresAt),
      ...(grant ? { grant_id: grant.id, grant: grantBrief(grant) } : {}),
      ...(r.status === 'denied' && r.note ? { note: r.note } : {}),
    };
  },
});

const STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;

export const listGrantRequests = route({
  method: 'GET',
  url: '/v1/grant-requests',
  auth: 'human',
  audit: null,
  summary: 'Grant requests, newest first: a human sees those addressed to them; the admin sees all',
  tag: 'delegation',
  query: z.object({
    status: z.enum(STATUSES).optional(),
    agent: z.string().max(2048).optional(),
    human: z.string().max(256).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  }),
  responses: { 200: 'Grant requests', 401: 'Not signed in' },
  async handler({ mandate, query, human }) {
    const h = signedIn(human);
    const who = h.admin ? query.human : h.id;
    const list = await mandate.delegation.requests.list({
      ...(who ? { human: who } : {}),
      ...(query.agent ? { agent: query.agent } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { grant_requests: list.map(grantRequestJson) };
  },
});

const idParams = z.object({ id: z.string().min(1).max(80) });

export const showGrantRequest = route({
  method: 'GET',
  url: '/v1/grant-requests/:id',
  auth: 'human',
  audit: null,
  summary: 'One grant request: who asks, for what, how long',
  tag: 'delegation',
  params: idParams,
  responses: { 200: 'The request', 404: 'No such request for you' },
  async handler({ mandate, params, human }) {
    const h = signedIn(human);
    const r = await mandate.delegation.requests.get(params.id);
    if (!r || (!h.admin && r.human !== h.id))
      throw new MandateError('not_found', `no grant request \`${params.id}\` for you`, {
        id: params.id,
      });
    return grantRequestJson(r);
  },
});

export const approveGrantRequest = route({
  method: 'POST',
  url: '/v1/grant-requests/:id/approve',
  auth: 'human',
  audit: 'grant_request.approve, grant.create',
  summary:
    'Approve a grant request as asked, or narrowed: `scopes` ⊆ the requested ones, `ttl` ≤ the requested duration',
  tag: 'delegation',
  params: idParams,
  body: z
    .object({
      scopes: z.array(z.string().max(256)).max(100).optional(),
      ttl: z.number().int().positive().optional(),
      note: z.string().max(1024).optional(),
    })
    .strict()
    .optional(),
  responses: {
    200: '`{request, grant}`',
    400: 'A wider scope or a longer duration than asked',
    404: 'No such request for you',
    409: 'Not pending (answered or expired)',
  },
  async handler({ mandate, params, body, ctx, human }) {
    const { request, grant } = await mandate.delegation.requests.approve(
      params.id,
      signedIn(human),
      { scopes: body?.scopes, durationSeconds: body?.ttl, note: body?.note },
      ctx,
    );
    return {
      request: grantRequestJson(request),
      grant: {
        ...grantBrief(grant),
        human: grant.human,
        agent: grant.agent,
        purpose: grant.purpose,
      },
    };
  },
});

export const denyGrantRequest = route({
  method: 'POST',
  url: '/v1/grant-requests/:id/deny',
  auth: 'human',
  audit: 'grant_request.deny',
  summary: 'Deny a grant request',
  tag: 'delegation',
  params: idParams,
  body: z
    .object({ note: z.string().max(1024).optional() })
    .strict()
    .optional(),
  responses: { 200: 'The request as denied', 404: 'No such request for you', 409: 'Not pending' },
  async handler({ mandate, params, body, ctx, human }) {
    return grantRequestJson(
      await mandate.delegation.requests.deny(params.id, signedIn(human), body?.note, ctx),
    );
  },
});
