import { z } from 'zod';
import type { AgentRecord } from '../../core/store/index.js';
import { route } from '../route.js';

/** The HTTP (snake_case) form of an agent. */
export function agentJson(a: AgentRecord) {
  return {
    name: a.name,
    spiffe_id: a.spiffeId,
    owner: a.owner,
    purpose: a.purpose,
    labels: a.labels,
    status: a.status,
    limits: {
      max_task_ttl_seconds: a.limits.maxTaskTtlSeconds,
      max_delegation_depth: a.limits.maxDelegationDepth,
    },
    allowed_scopes: a.allowedScopes,
    require_dpop: a.requireDpop,
    created_at: new Date(a.createdAt).toISOString(),
    updated_at: new Date(a.updatedAt).toISOString(),
  };
}

const nameParams = z.object({ name: z.string().max(63) });

const registerBody = z
  .object({
    name: z.string(),
    owner: z.string(),
    purpose: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
    allowed_scopes: z.array(z.string()).optional(),
    require_dpop: z.boolean().optional(),
    limits: z
      .object({
        max_task_ttl_seconds: z.number().optional(),
        max_delegation_depth: z.number().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const registerAgent = route({
  method: 'POST',
  url: '/v1/agents',
  auth: 'admin',
  audit: 'agent.register',
  summary: 'Register an agent; its SPIFFE ID is spiffe://<trust-domain>/agent/<name>',
  tag: 'agents',
  body: registerBody,
  responses: {
    201: 'The registered agent',
    400: 'Invalid input',
    409: 'An agent with that name exists',
  },
  async handler({ mandate, body, ctx, reply }) {
    const agent = await mandate.agents.register(
      {
        name: body.name,
        owner: body.owner,
        purpose: body.purpose,
        labels: body.labels ?? {},
        allowedScopes: body.allowed_scopes ?? [],
        requireDpop: body.require_dpop ?? false,
        limits: {
          maxTaskTtlSeconds: body.limits?.max_task_ttl_seconds,
          maxDelegationDepth: body.limits?.max_delegation_depth,
        },
      },
      ctx,
    );
    reply.status(201);
    return agentJson(agent);
  },
});

export const listAgents = route({
  method: 'GET',
  url: '/v1/agents',
  auth: 'admin',
  audit: null,
  summary: 'List agents',
  tag: 'agents',
  query: z.object({
    status: z.enum(['active', 'suspended', 'retired']).optional(),
    owner: z.string().optional(),
  }),
  responses: { 200: 'Agents, by name' },
  async handler({ mandate, query }) {
    const agents = await mandate.agents.list({
      ...(query.status ? { status: query.status } : {}),
      ...(query.owner ? { owner: query.owner } : {}),
    });
    return { agents: agents.map(agentJson) };
  },
});

export const showAgent = route({
  method: 'GET',
  url: '/v1/agents/:name',
  auth: 'admin',
  audit: null,
  summary: 'Show one agent',
  tag: 'agents',
  params: nameParams,
  responses: { 200: 'The agent', 404: 'No such agent' },
  async handler({ mandate, params }) {
    return agentJson(await mandate.agents.get(params.name));
  },
});

/** POST /v1/agents/:name/{verb}: the three status changes differ only in verb and wording. */
function statusRoute(
  verb: 'suspend' | 'resume' | 'retire',
  summary: string,
  responses: Record<number, string>,
) {
  return route({
    method: 'POST',
    url: `/v1/agents/:name/${verb}`,
    auth: 'admin',
    audit: `agent.${verb}`,
    summary,
    tag: 'agents',
    params: nameParams,
    responses: { 200: 'The agent', 404: 'No such agent', ...responses },
    async handler({ mandate, params, ctx }) {
      return agentJson(await mandate.agents[verb](params.name, ctx));
    },
  });
}

export const suspendAgent = statusRoute(
  'suspend',
  'Suspend an agent: it can no longer attest or get credentials, and its tokens stop working',
  { 409: 'The agent is retired' },
);
export const resumeAgent = statusRoute(
  'resume',
  'Reactivate a suspended agent (tokens issued before the suspension stay dead)',
  { 409: 'The agent is retired' },
);
export const retireAgent = statusRoute('retire', 'Retire an agent for good', {});
