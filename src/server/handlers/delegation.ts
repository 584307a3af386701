import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import { parseSpiffeId } from '../../core/spiffe-id.js';
import type { GrantRecord, TrustRuleRecord } from '../../core/store/index.js';
import { signedIn } from '../human-auth.js';
import { route } from '../route.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const ruleJson = (r: TrustRuleRecord) => ({
  id: r.id,
  from: r.from,
  to: r.to,
  max_depth: r.maxDepth,
  cross_domain: r.crossDomain,
  created_at: iso(r.createdAt),
});
const grantJson = (g: GrantRecord) => ({
  id: g.id,
  human: g.human,
  agent: g.agent,
  scopes: g.scopes,
  purpose: g.purpose,
  status: g.status,
  created_at: iso(g.createdAt),
  expires_at: iso(g.expiresAt),
  revoked_at: iso(g.revokedAt),
});

export const addTrustRule = route({
  method: 'POST',
  url: '/v1/trust-rules',
  auth: 'admin',
  audit: 'trust_rule.add',
  summary:
    'Allow agents matching `from` to delegate to agents matching `to` (SPIFFE IDs, `…/*` prefixes or `*`)',
  tag: 'delegation',
  body: z
    .object({
      from: z.string(),
      to: z.string(),
      max_depth: z.number().int().optional(),
      cross_domain: z.boolean().optional(),
    })
    .strict(),
  responses: { 201: 'The rule', 400: 'Invalid pattern' },
  async handler({ mandate, body, ctx, reply }) {
    const record = await mandate.delegation.trustRules.add(
      {
        from: body.from,
        to: body.to,
        ...(body.max_depth !== undefined ? { maxDepth: body.max_depth } : {}),
        ...(body.cross_domain !== undefined ? { crossDomain: body.cross_domain } : {}),
      },
      ctx,
    );
    reply.status(201);
    return ruleJson(record);
  },
});

export const listTrustRules = route({
  method: 'GET',
  url: '/v1/trust-rules',
  auth: 'admin',
  audit: null,
  summary: 'List delegation trust rules',
  tag: 'delegation',
  responses: { 200: 'Rules' },
  async handler({ mandate }) {
    return { rules: (await mandate.delegation.trustRules.list()).map(ruleJson) };
  },
});

export const deleteTrustRule = route({
  method: 'DELETE',
  url: '/v1/trust-rules/:id',
  auth: 'admin',
  audit: 'trust_rule.delete',
  summary: 'Remove a trust rule',
  tag: 'delegation',
  params: z.object({ id: z.string().max(64) }),
  responses: { 204: 'Removed', 404: 'No such rule' },
  async handler({ mandate, params, ctx, reply }) {
    await mandate.delegation.trustRules.remove(params.id, ctx);
    reply.status(204);
    return undefined;
  },
});

export const createGrant = route({
  method: 'POST',
  url: '/v1/grants',
  auth: 'admin',
  audit: 'grant.create',
  summary:
    "Record a human's delegation to an agent (on-behalf-of); the agent exchanges the grant id for task tokens",
  tag: 'delegation',
  body: z
    .object({
      human: z.string().min(1).max(256),
      agent: z.string().min(1),
      scopes: z.array(z.string()).min(1),
      purpose: z.string().min(1).max(1024),
      ttl: z
        .number()
        .int()
        .positive()
        .max(30 * 86_400),
    })
    .strict(),
  responses: { 201: 'The grant', 400: 'Invalid input', 404: 'No such agent' },
  async handler({ mandate, body, ctx, reply }) {
    const grant = await mandate.delegation.grants.create(
      {
        human: body.human,
        agent: body.agent,
        scopes: body.scopes,
        purpose: body.purpose,
        ttlSeconds: body.ttl,
      },
      ctx,
    );
    reply.status(201);
    return grantJson(grant);
  },
});

export const listGrants = route({
  method: 'GET',
  url: '/v1/grants',
  auth: 'human',
  audit: null,
  summary:
    'List delegation grants (status `expired` once past their expiry): a signed-in human sees their own, the admin all',
  tag: 'delegation',
  query: z.object({ human: z.string().optional(), agent: z.string().optional() }),
  responses: { 200: 'Grants', 401: 'Not signed in' },
  async handler({ mandate, query, human }) {
    const h = signedIn(human);
    const who = h.admin ? query.human : h.id;
    return {
      grants: (
        await mandate.delegation.grants.list({
          ...(who ? { human: who } : {}),
          ...(query.agent ? { agent: query.agent } : {}),
        })
      ).map(grantJson),
    };
  },
});

export const revokeGrant = route({
  method: 'POST',
  url: '/v1/grants/:id/revoke',
  auth: 'human',
  audit: 'grant.revoke',
  summary:
    'Revoke a delegation grant (a human their own, the admin any): every token derived from it stops working',
  tag: 'delegation',
  params: z.object({ id: z.string().max(64) }),
  responses: { 200: 'The grant', 404: 'No such grant (of yours)' },
  async handler({ mandate, params, ctx, human }) {
    return grantJson(await mandate.delegation.grants.revoke(params.id, signedIn(human), ctx));
  },
});

export const narrowGrant = route({
  method: 'POST',
  url: '/v1/grants/:id/narrow',
  auth: 'human',
  audit: 'grant.narrow',
  summary:
    'Narrow a grant (a human their own, the admin any): `scopes` ⊆ the current ones, `ttl` ending no later than now; every task started under it is ended',
  tag: 'delegation',
  params: z.object({ id: z.string().max(64) }),
  body: z
    .object({
      scopes: z.array(z.string().max(256)).max(100).optional(),
      ttl: z.number().int().positive().optional(),
    })
    .strict(),
  responses: {
    200: '`{grant, ended_tasks}`',
    400: 'A wider scope or a later expiry',
    404: 'No such grant (of yours)',
    409: 'Not active',
  },
  async handler({ mandate, params, body, ctx, human }) {
    const { grant, endedTasks } = await mandate.delegation.grants.narrow(
      params.id,
      signedIn(human),
      { scopes: body.scopes, ttlSeconds: body.ttl },
      ctx,
    );
    return { grant: grantJson(grant), ended_tasks: endedTasks };
  },
});

export const putFederatedDomain = route({
  method: 'POST',
  url: '/v1/federation',
  auth: 'admin',
  audit: 'federation.put',
  summary:
    "Trust another trust domain's JWT-SVIDs: a static SPIFFE bundle, or its bundle endpoint (polled)",
  tag: 'delegation',
  body: z
    .object({
      trust_domain: z.string(),
      bundle_endpoint: z.url().optional(),
      bundle: z
        .object({ keys: z.array(z.record(z.string(), z.unknown())) })
        .passthrough()
        .optional(),
    })
    .strict(),
  responses: {
    200: 'The federated domain',
    400: 'Invalid input',
    503: 'The bundle endpoint could not be fetched',
  },
  async handler({ mandate, body, ctx }) {
    const td = parseSpiffeId(`spiffe://${body.trust_domain}`).trustDomain;
    if (td === mandate.config.trustDomain)
      throw new MandateError('invalid_request', 'a trust domain cannot federate with itself');
    if (Boolean(body.bundle) === Boolean(body.bundle_endpoint))
      throw new MandateError(
        'invalid_request',
        'give exactly one of `bundle` and `bundle_endpoint`',
      );
    const record = await mandate.federation.put(
      td,
      body.bundle_endpoint ?? null,
      body.bundle ?? null,
      ctx,
    );
    return {
      trust_domain: record.trustDomain,
      bundle_endpoint: record.bundleEndpoint,
      keys: record.bundle.keys.length,
      spiffe_sequence: record.bundle.spiffe_sequence ?? null,
      refreshed_at: iso(record.refreshedAt),
    };
  },
});

export const listFederatedDomains = route({
  method: 'GET',
  url: '/v1/federation',
  auth: 'admin',
  audit: null,
  summary: 'List federated trust domains',
  tag: 'delegation',
  responses: { 200: 'Federated domains' },
  async handler({ mandate }) {
    return {
      domains: (await mandate.federation.list()).map((d) => ({
        trust_domain: d.trustDomain,
        bundle_endpoint: d.bundleEndpoint,
        keys: d.bundle.keys.length,
        spiffe_sequence: d.bundle.spiffe_sequence ?? null,
        refreshed_at: iso(d.refreshedAt),
      })),
    };
  },
});

export const deleteFederatedDomain = route({
  method: 'DELETE',
  url: '/v1/federation/:trustDomain',
  auth: 'admin',
  audit: 'federation.delete',
  summary: 'Stop trusting another trust domain: its SVIDs are refused from now on',
  tag: 'delegation',
  params: z.object({ trustDomain: z.string().max(255) }),
  responses: { 204: 'Removed', 404: 'Not federated' },
  async handler({ mandate, params, ctx, reply }) {
    await mandate.federation.remove(params.trustDomain, ctx);
    mandate.svids.forget(params.trustDomain);
    reply.status(204);
    return undefined;
  },
});
