import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { TaskRecord, TaskTokenRecord } from '../../core/store/index.js';
import { revocableOf } from '../../oauth/introspection.js';
import { route } from '../route.js';
import { refuse } from '../task-token-auth.js';

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
    const header = request.headers.authorization;
    const m = typeof header === 'string' ? /^(Bearer|DPoP)\s+(\S+)$/i.exec(header) : null;
    if (!m?.[2])
      throw new MandateError(
        'unauthorized',
        'send the admin token or the task token: `Authorization: Bearer <token>`',
      );
    if (m[1]!.toLowerCase() === 'bearer' && (await mandate.adminToken.check(m[2]))) {
      return taskJson(await mandate.tasks.end(params.id, 'admin', { ...ctx, actor: 'admin' }));
    }
    let claims;
    try {
      claims = await mandate.ownTokens.verify(m[2]);
    } catch (err) {
      throw new MandateError(
        'unauthorized',
        err instanceof MandateError ? err.message : 'invalid token',
      );
    }
    if (mandate.revocations.check(revocableOf(claims, m[2]))) {
      throw new MandateError('unauthorized', 'the task token is no longer valid');
    }
    if (claims.cnf) {
      if (m[1]!.toLowerCase() !== 'dpop')
        throw new MandateError(
          'unauthorized',
          'this task token is dpop-bound: use `Authorization: DPoP` with a proof',
        );
      try {
        await mandate.dpop.verify({
          proof: request.headers.dpop,
          method: 'POST',
          url: `${mandate.config.issuer}/v1/tasks/${params.id}/end`,
          accessToken: m[2],
          expectedJkt: claims.cnf.jkt,
          requireNonce: mandate.config.dpopNonce,
        });
      } catch (err) {
        // RFC 9449 §7.1, §9: at a protected resource a proof error is a 401 DPoP challenge (with the nonce to use).
        if (
          err instanceof MandateError &&
          (err.code === 'invalid_dpop_proof' || err.code === 'use_dpop_nonce')
        ) {
          const nonce = typeof err.details?.nonce === 'string' ? err.details.nonce : undefined;
          return refuse(mandate, reply, {
            status: 401,
            error: err.code,
            description: err.message,
            scheme: 'DPoP',
            ...(nonce ? { nonce } : {}),
          });
        }
        throw err;
      }
    }
    const task = await mandate.tasks.find(params.id);
    if (!task || claims.task_id !== task.id)
      throw new MandateError('forbidden', 'this token belongs to another task');
    const actor = claims.act?.sub ?? claims.sub;
    if (actor !== task.agent)
      throw new MandateError(
        'forbidden',
        "only the task's own agent ends it; a delegate can revoke its own token instead",
      );
    return taskJson(await mandate.tasks.end(params.id, actor, { ...ctx, actor }));
  },
});
