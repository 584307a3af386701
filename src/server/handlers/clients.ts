import { z } from 'zod';
import { clientSpiffeId } from '../../clients/identity.js';
import type { AgentRecord, OAuthClientRecord } from '../../core/store/index.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';

/** The HTTP (snake_case) form of a client, with its agent identity's status. */
export function clientJson(mandate: Mandate, c: OAuthClientRecord, agent?: AgentRecord) {
  return {
    id: c.id,
    client_id: c.clientId,
    kind: c.kind,
    name: c.name,
    redirect_uris: c.redirectUris,
    spiffe_id: clientSpiffeId(mandate.config.trustDomain, c.id),
    agent: agent ? { name: agent.name, status: agent.status } : null,
    owner: c.owner,
    status: c.status,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    logo_uri: c.logoUri,
    client_uri: c.clientUri,
    created_by: c.createdBy,
    created_at: new Date(c.createdAt).toISOString(),
    updated_at: new Date(c.updatedAt).toISOString(),
    revoked_at: c.revokedAt === null ? null : new Date(c.revokedAt).toISOString(),
  };
}

const idParams = z.object({ id: z.string().min(1).max(2000) });

export const listClients = route({
  method: 'GET',
  url: '/v1/clients',
  auth: 'admin',
  audit: null,
  summary:
    "List the authorization server's OAuth clients (MCP hosts): registered ones, and metadata-document ones a human consented to",
  tag: 'clients',
  query: z.object({
    status: z.enum(['active', 'revoked']).optional(),
    owner: z.string().max(256).optional(),
  }),
  responses: { 200: 'Clients, oldest first' },
  async handler({ mandate, query }) {
    const clients = await mandate.clients.list({
      ...(query.status ? { status: query.status } : {}),
      ...(query.owner ? { owner: query.owner } : {}),
    });
    const agents = new Map((await mandate.agents.list()).map((a) => [a.spiffeId, a] as const));
    return {
      clients: clients.map((c) =>
        clientJson(mandate, c, agents.get(clientSpiffeId(mandate.config.trustDomain, c.id))),
      ),
    };
  },
});

export const showClient = route({
  method: 'GET',
  url: '/v1/clients/:id',
  auth: 'admin',
  audit: null,
  summary: 'Show one client, by its id (the end of its SPIFFE ID) or its `client_id`',
  tag: 'clients',
  params: idParams,
  responses: { 200: 'The client', 404: 'No such client' },
  async handler({ mandate, params }) {
    const c = await mandate.clients.get(params.id);
    return clientJson(mandate, c, await mandate.clients.agentOf(c));
  },
});

export const revokeClient = route({
  method: 'POST',
  url: '/v1/clients/:id/revoke',
  auth: 'admin',
  audit: 'client.revoke',
  summary:
    'Revoke a client: it cannot be authorized again, its agent identity is retired (its tokens die) and its grants are revoked',
  tag: 'clients',
  params: idParams,
  responses: { 200: 'The revoked client', 404: 'No such client' },
  async handler({ mandate, params, ctx }) {
    const c = await mandate.clients.revoke(params.id, ctx);
    return clientJson(mandate, c, await mandate.clients.agentOf(c));
  },
});

export const createRegistrationToken = route({
  method: 'POST',
  url: '/v1/clients/registration-tokens',
  auth: 'admin',
  audit: 'registration_token.create',
  summary:
    'Create an initial access token for RFC 7591 registration (`registration: initial-access-token`); it is shown once',
  tag: 'clients',
  body: z
    .object({
      ttl_seconds: z.number().int().min(1).max(2_592_000).optional(),
      uses: z.number().int().min(1).max(1000).optional(),
    })
    .strict()
    .optional(),
  responses: { 201: 'The token (shown once), its expiry and uses', 400: 'Invalid input' },
  async handler({ mandate, body, ctx, reply }) {
    const t = await mandate.clientRegistration.createToken(
      { ttlSeconds: body?.ttl_seconds ?? 86_400, uses: body?.uses ?? 1 },
      ctx,
    );
    reply.status(201);
    return {
      registration_token: t.token,
      expires_at: new Date(t.expiresAt).toISOString(),
      uses: t.uses,
      registration: mandate.clientRegistration.mode,
    };
  },
});
