import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { TaskRecord, TaskTokenRecord } from '../../core/store/index.js';
import { bearerToken } from '../../protocol/authorization-header.js';
import { route } from '../route.js';
import { authenticateTaskToken, refuse } from '../task-token-auth.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function taskJson(t: TaskRecord) {
  return {
    id: t.id,
    agent: t.agent,
    subject: t.subject,
    purpose: t.purpose,
    scopes: t.scopes,
    authorization_details: t.authorizationDetails,
    audience: t.audience,
    grant_id: t.grantId,
    status: t.status,
    created_at: iso(t.createdAt),
    expires_at: iso(t.expiresAt),
    ended_at: iso(t.endedAt),
    ended_by: t.endedBy,
  };
}

function tokenJson(t: TaskTokenRecord) {
  return {
    jti: t.jti,
    parent: t.parentJti,
    depth: t.depth,
    holder: t.holder,
    client_id: t.clientId,
    scopes: t.scopes,
    audience: t.audience,
    dpop_bound: t.cnfJkt !== null,
    issued_at: iso(t.issuedAt),
    expires_at: iso(t.expiresAt),
    revoked_at: iso(t.revokedAt),
    revoked_by: t.revokedBy,
  };
}

export const listTasks = route({
  method: 'GET',
  url: '/v1/tasks',
  auth: 'admin',
  audit: null,
  summary: 'List tasks, newest first',
  tag: 'tasks',
  query: z.object({
    agent: z.string().optional(),
    status: z.enum(['active', 'ended', 'expired']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  }),
  responses: { 200: 'Tasks' },
  async handler({ mandate, query }) {
    const tasks = await mandate.tasks.list({
      ...(query.agent ? { agent: query.agent } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { tasks: tasks.map(taskJson) };
  },
});

export const showTask = route({
  method: 'GET',
  url: '/v1/tasks/:id',
  auth: 'admin',
  audit: null,
  summary: 'Show a task with its delegation tree (every token issued under it)',
  tag: 'tasks',
  params: z.object({ id: z.string().max(64) }),
  responses: { 200: 'The task and its tokens', 404: 'No such task' },
  async handler({ mandate, params }) {
    const { task, tokens } = await mandate.tasks.get(params.id);
    return { ...taskJson(task), tokens: tokens.map(tokenJson) };
  },
});

export const endTask = route({
  method: 'POST',
  url: '/v1/tasks/:id/end',
  auth: 'none',
  audit: 'task.end',
  summary:
    "End a task: every token issued under it is revoked. The admin, or the task's agent with its task token (Authorization: Bearer|DPoP)",
  tag: 'tasks',
  params: z.object({ id: z.string().max(64) }),
  responses: {
    200: 'The ended task',
    401: 'No valid credential',
    403: "Not this task's agent",
    404: 'No such task',
  },
  async handler({ mandate, params, request, reply, ctx }) {
    const bearer = bearerToken(request.headers.authorization);
    if (bearer !== undefined && (await mandate.adminToken.check(bearer))) {
      return taskJson(await mandate.tasks.end(params.id, 'admin', { ...ctx, actor: 'admin' }));
    }
    // Any task token of this server's (its audience is a resource, not the server), checked as at
    // every enforcement point: revocation, and for a bound token the DPoP scheme and a proof.
    const who = await authenticateTaskToken(mandate, request, {
      audience: null,
      method: 'POST',
      url: `${mandate.config.issuer}/v1/tasks/${params.id}/end`,
    });
    if ('refusal' in who) return refuse(reply, who.refusal);
    const { principal } = who;
    const task = await mandate.tasks.find(params.id);
    if (!task || principal.taskId !== task.id)
      throw new MandateError('forbidden', 'this token belongs to another task');
    const actor = principal.actor;
    if (actor !== task.agent)
      throw new MandateError(
        'forbidden',
        "only the task's own agent ends it; a delegate can revoke its own token instead",
      );
    return taskJson(await mandate.tasks.end(params.id, actor, { ...ctx, actor }));
  },
});
