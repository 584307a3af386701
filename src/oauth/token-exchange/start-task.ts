import { MandateError } from '../../core/errors.js';
import { newId } from '../../core/random.js';
import type { TaskRecord } from '../../core/store/index.js';
import { detailsToScopes } from '../../delegation/authorization-details.js';
import { formatScope, isSubset, narrow } from '../../delegation/scope.js';
import type { TaskTokenClaims } from '../task-token.js';
import type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
import { issueTaskToken } from './issue.js';
import { requireTargets } from './targets.js';

/**
 * Start a task (RFC 8693 with subject_token = the agent's own JWT-SVID): a root task token
 * with only the scopes the agent may hold, for the named targets, for at most
 * min(requested, agent limit, server limit).
 */
export async function startTask(deps: ExchangeDeps, x: Exchange): Promise<IssuedTaskToken> {
  const { client, request } = x;
  if (request.actorToken) throw new MandateError('invalid_request', 'to start a task send no `actor_token`; to delegate, the subject_token is the parent task token');
  const agent = client.agent;
  if (!agent) throw new MandateError('unauthorized_client', 'only agents registered in this trust domain can start tasks');
  const svid = await deps.svids.verify(request.subjectToken, deps.issuer, 'subject_token', 'invalid_request');
  if (svid.spiffeId !== client.clientId) throw new MandateError('invalid_request', 'subject_token is not the authenticated agent\'s own jwt-svid');

  const targets = requireTargets(request.targets);
  const details = request.details ?? [];
  const requested = request.scopes ?? (request.details ? [] : undefined);
  const { scopes, widened } = narrow(requested, agent.allowedScopes);
  if (widened.length) throw new MandateError('invalid_scope', `agent \`${agent.name}\` may not hold ${widened.map((s) => `\`${s}\``).join(', ')}`);
  if (!isSubset(detailsToScopes(details), agent.allowedScopes)) {
    throw new MandateError('invalid_request', `authorization_details name tools agent \`${agent.name}\` may not use`, { oauthError: 'invalid_authorization_details' });
  }
  if (scopes.length === 0 && details.length === 0) throw new MandateError('invalid_scope', `agent \`${agent.name}\` has no allowed scopes; register it with --scope`);
  const needsDpop = deps.dpopRequired || agent.requireDpop;
  if (needsDpop && !x.dpopJkt) throw new MandateError('invalid_dpop_proof', `agent \`${agent.name}\` must use dpop-bound tokens: send a DPoP proof`);

  const now = Math.floor(deps.clock.now() / 1000);
  const ttl = Math.min(request.ttlSeconds ?? deps.taskTokenMaxTtlSeconds, agent.limits.maxTaskTtlSeconds, deps.taskTokenMaxTtlSeconds);
  const taskId = newId();
  const jti = newId();
  const claims: TaskTokenClaims = {
    iss: deps.issuer,
    sub: agent.spiffeId,
    aud: targets,
    exp: now + ttl,
    iat: now,
    nbf: now,
    jti,
    client_id: client.clientId,
    scope: formatScope(scopes),
    ...(details.length ? { authorization_details: details } : {}),
    task_id: taskId,
    depth: 0,
    max_depth: agent.limits.maxDelegationDepth,
    ancestors: [],
    ...(x.dpopJkt ? { cnf: { jkt: x.dpopJkt } } : {}),
  };
  const task: TaskRecord = {
    id: taskId,
    agent: agent.spiffeId,
    subject: agent.spiffeId,
    purpose: request.purpose ?? agent.purpose,
    scopes,
    authorizationDetails: details as unknown as Record<string, unknown>[],
    audience: targets,
    grantId: null,
    status: 'active',
    createdAt: now * 1000,
    expiresAt: claims.exp * 1000,
    endedAt: null,
    endedBy: null,
    rootJti: jti,
  };
  return issueTaskToken(deps, claims, { task, parentJti: null, holder: agent.spiffeId }, {
    actor: client.clientId,
    action: 'task.start',
    target: `task:${taskId}`,
    outcome: 'success',
    requestId: x.ctx.requestId,
    details: { jti, purpose: task.purpose, scopes, authorizationDetails: details, audience: targets, expiresAt: task.expiresAt, dpopBound: Boolean(x.dpopJkt) },
  });
}
