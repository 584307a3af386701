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
 * On behalf of a human (subject_token = a delegation grant id, the caller = the agent it
 * names): `sub` = the human, `act` = the agent, scopes ⊆ the grant, never outliving it.
 */
export async function onBehalfOf(deps: ExchangeDeps, x: Exchange): Promise<IssuedTaskToken> {
  const { client, request } = x;
  if (request.actorToken) throw new MandateError('invalid_request', 'on-behalf-of takes no `actor_token`: the authenticated agent is the actor');
  const agent = client.agent;
  if (!agent) throw new MandateError('unauthorized_client', 'only agents registered in this trust domain act on behalf of humans');
  const grant = await deps.store.read.grants.get(request.subjectToken);
  const now = deps.clock.now();
  if (!grant || grant.agent !== agent.spiffeId) throw new MandateError('invalid_request', 'subject_token is not a delegation grant to this agent');
  if (grant.status !== 'active') throw new MandateError('invalid_request', `the delegation grant is ${grant.status}`);
  if (grant.expiresAt <= now) throw new MandateError('invalid_request', 'the delegation grant has expired');

  const targets = requireTargets(request.targets);
  const details = request.details ?? [];
  const { scopes, widened } = narrow(request.scopes ?? (request.details ? [] : undefined), grant.scopes);
  if (widened.length) throw new MandateError('invalid_scope', `the grant from \`${grant.human}\` does not cover ${widened.map((s) => `\`${s}\``).join(', ')}`);
  if (!isSubset(detailsToScopes(details), grant.scopes)) throw new MandateError('invalid_request', 'authorization_details name tools the grant does not cover', { oauthError: 'invalid_authorization_details' });
  const notAllowed = [...scopes, ...detailsToScopes(details)].filter((s) => !isSubset([s], agent.allowedScopes));
  if (notAllowed.length) throw new MandateError('invalid_scope', `agent \`${agent.name}\` may not hold ${notAllowed.map((s) => `\`${s}\``).join(', ')} even on behalf of a human`);
  if ((deps.dpopRequired || agent.requireDpop) && !x.dpopJkt) throw new MandateError('invalid_dpop_proof', `agent \`${agent.name}\` must use dpop-bound tokens: send a DPoP proof`);

  const iat = Math.floor(now / 1000);
  const ttl = Math.min(request.ttlSeconds ?? deps.taskTokenMaxTtlSeconds, agent.limits.maxTaskTtlSeconds, deps.taskTokenMaxTtlSeconds);
  // INVARIANT: an on-behalf-of token never outlives the human's grant.
  const exp = Math.min(iat + ttl, Math.floor(grant.expiresAt / 1000));
  const taskId = newId();
  const jti = newId();
  const claims: TaskTokenClaims = {
    iss: deps.issuer,
    sub: grant.human,
    aud: targets,
    exp,
    iat,
    nbf: iat,
    jti,
    client_id: client.clientId,
    scope: formatScope(scopes),
    ...(details.length ? { authorization_details: details } : {}),
    act: { sub: agent.spiffeId },
    task_id: taskId,
    depth: 0,
    max_depth: agent.limits.maxDelegationDepth,
    ancestors: [],
    grant_id: grant.id,
    ...(x.dpopJkt ? { cnf: { jkt: x.dpopJkt } } : {}),
  };
  const task: TaskRecord = {
    id: taskId,
    agent: agent.spiffeId,
    subject: grant.human,
    purpose: request.purpose ?? grant.purpose,
    scopes,
    authorizationDetails: details as unknown as Record<string, unknown>[],
    audience: targets,
    grantId: grant.id,
    status: 'active',
    createdAt: now,
    expiresAt: exp * 1000,
    endedAt: null,
    endedBy: null,
    rootJti: jti,
  };
  return issueTaskToken(
    deps,
    claims,
    { task, parentJti: null, holder: agent.spiffeId },
    { actor: client.clientId, action: 'task.start', target: `task:${taskId}`, outcome: 'success', requestId: x.ctx.requestId, details: { jti, onBehalfOf: grant.human, grant: grant.id, scopes, audience: targets, expiresAt: task.expiresAt } },
    async (tx) => {
      const current = await tx.grants.get(grant.id);
      if (current?.status !== 'active') throw new MandateError('invalid_request', 'the delegation grant was revoked');
    },
  );
}
