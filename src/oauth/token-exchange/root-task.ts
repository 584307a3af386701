import { MandateError } from '../../core/errors.js';
import { newId } from '../../core/random.js';
import type { AgentRecord, TaskRecord } from '../../core/store/index.js';
import type { ToolAccessDetail } from '../../delegation/authorization-details.js';
import type { ActClaim } from '../../delegation/chain.js';
import { formatScope } from '../../delegation/scope.js';
import type { TaskTokenParams } from '../task-params.js';
import type { TaskTokenClaims } from '../task-token.js';
import type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
import { issueTaskToken } from './issue.js';

export interface RootTask {
  agent: AgentRecord;
  /** `sub`: the agent itself, or the human it acts for. */
  subject: string;
  act?: ActClaim;
  grantId?: string;
  scopes: string[];
  details: ToolAccessDetail[];
  targets: string[];
  purpose: string;
  /** An absolute cap on `exp` (epoch seconds), e.g. the human grant's expiry. */
  expCap?: number;
  auditDetails: Record<string, unknown>;
  beforeCommit?: Parameters<typeof issueTaskToken>[4];
}

/**
 * A new task and its root token (depth 0), shared by "start a task" and "on behalf of":
 * DPoP when the agent or server requires it, TTL = min(requested, agent limit, server limit,
 * cap), and the task record written with the token.
 */
export async function issueRootTask(
  deps: ExchangeDeps,
  x: Exchange<TaskTokenParams>,
  t: RootTask,
): Promise<IssuedTaskToken> {
  if (x.request.dpopJkt !== undefined) {
    // A root token is bound to the key the caller proves, never to a key it merely names.
    throw new MandateError(
      'invalid_request',
      "`dpop_jkt` applies only when a parent's holder delegates: send a DPoP proof to bind this token",
    );
  }
  if ((deps.dpopRequired || t.agent.requireDpop) && !x.dpopJkt) {
    throw new MandateError(
      'invalid_dpop_proof',
      `agent \`${t.agent.name}\` must use dpop-bound tokens: send a DPoP proof`,
    );
  }
  const now = Math.floor(deps.clock.now() / 1000);
  const ttl = Math.min(
    x.request.ttlSeconds ?? deps.taskTokenMaxTtlSeconds,
    t.agent.limits.maxTaskTtlSeconds,
    deps.taskTokenMaxTtlSeconds,
  );
  const exp = Math.min(now + ttl, t.expCap ?? Infinity);
  const taskId = newId();
  const jti = newId();
  const claims: TaskTokenClaims = {
    iss: deps.issuer,
    sub: t.subject,
    aud: t.targets,
    exp,
    iat: now,
    nbf: now,
    jti,
    client_id: x.client.clientId,
    scope: formatScope(t.scopes),
    ...(t.details.length ? { authorization_details: t.details } : {}),
    ...(t.act ? { act: t.act } : {}),
    task_id: taskId,
    depth: 0,
    max_depth: t.agent.limits.maxDelegationDepth,
    ancestors: [],
    ...(t.grantId ? { grant_id: t.grantId } : {}),
    ...(x.dpopJkt ? { cnf: { jkt: x.dpopJkt } } : {}),
  };
  const task: TaskRecord = {
    id: taskId,
    agent: t.agent.spiffeId,
    subject: t.subject,
    purpose: t.purpose,
    scopes: t.scopes,
    authorizationDetails: t.details as unknown as Record<string, unknown>[],
    audience: t.targets,
    grantId: t.grantId ?? null,
    status: 'active',
    createdAt: now * 1000,
    expiresAt: exp * 1000,
    endedAt: null,
    endedBy: null,
    rootJti: jti,
  };
  return issueTaskToken(
    deps,
    claims,
    { task, parentJti: null, holder: t.agent.spiffeId },
    {
      actor: x.client.clientId,
      action: 'task.start',
      target: `task:${taskId}`,
      outcome: 'success',
      requestId: x.ctx.requestId,
      details: {
        jti,
        purpose: t.purpose,
        scopes: t.scopes,
        authorizationDetails: t.details,
        audience: t.targets,
        expiresAt: task.expiresAt,
        dpopBound: Boolean(x.dpopJkt),
        ...t.auditDetails,
      },
    },
    t.beforeCommit,
  );
}
