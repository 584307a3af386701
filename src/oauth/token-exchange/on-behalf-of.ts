import { MandateError } from '../../core/errors.js';
import { detailsToScopes } from '../../delegation/authorization-details.js';
import { formatScope, isSubset, narrow } from '../../delegation/scope.js';
import type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
import { issueRootTask } from './root-task.js';
import { refuseRisky, taskPurpose } from './signal-check.js';
import { requireTargets } from './targets.js';

/**
 * On behalf of a human (subject_token = a delegation grant id, the caller = the agent it
 * names): `sub` = the human, `act` = the agent, scopes ⊆ the grant, never outliving it.
 */
export async function onBehalfOf(deps: ExchangeDeps, x: Exchange): Promise<IssuedTaskToken> {
  const { client, request } = x;
  if (request.actorToken)
    throw new MandateError(
      'invalid_request',
      'on-behalf-of takes no `actor_token`: the authenticated agent is the actor',
    );
  const agent = client.agent;
  if (!agent)
    throw new MandateError(
      'unauthorized_client',
      'only agents registered in this trust domain act on behalf of humans',
    );
  const grant = await deps.store.read.grants.get(request.subjectToken);
  const now = deps.clock.now();
  if (!grant || grant.agent !== agent.spiffeId)
    throw new MandateError(
      'invalid_request',
      'subject_token is not a delegation grant to this agent',
    );
  if (grant.status !== 'active')
    throw new MandateError('invalid_request', `the delegation grant is ${grant.status}`);
  if (grant.expiresAt <= now)
    throw new MandateError('invalid_request', 'the delegation grant has expired');

  const targets = requireTargets(request.targets);
  const details = request.details ?? [];
  const { scopes, widened } = narrow(
    request.scopes ?? (request.details ? [] : undefined),
    grant.scopes,
  );
  if (widened.length)
    throw new MandateError(
      'invalid_scope',
      `the grant from \`${grant.human}\` does not cover ${widened.map((s) => `\`${s}\``).join(', ')}`,
    );
  if (!isSubset(detailsToScopes(details), grant.scopes))
    throw new MandateError(
      'invalid_request',
      'authorization_details name tools the grant does not cover',
      { oauthError: 'invalid_authorization_details' },
    );
  const notAllowed = [...scopes, ...detailsToScopes(details)].filter(
    (s) => !isSubset([s], agent.allowedScopes),
  );
  if (notAllowed.length)
    throw new MandateError(
      'invalid_scope',
      `agent \`${agent.name}\` may not hold ${notAllowed.map((s) => `\`${s}\``).join(', ')} even on behalf of a human`,
    );
  refuseRisky(deps.signals, { agent: agent.spiffeId, taskId: null, chain: [agent.spiffeId] });
  return issueRootTask(deps, x, {
    agent,
    subject: grant.human,
    act: { sub: agent.spiffeId },
    grantId: grant.id,
    scopes,
    details,
    targets,
    purpose: taskPurpose(request.purpose, grant.purpose, deps.signals?.purposes),
    // INVARIANT: an on-behalf-of token never outlives the human's grant.
    expCap: Math.floor(grant.expiresAt / 1000),
    auditDetails: { onBehalfOf: grant.human, grant: grant.id },
    async beforeCommit(tx) {
      const current = await tx.grants.get(grant.id);
      if (current?.status !== 'active')
        throw new MandateError('invalid_request', 'the delegation grant was revoked');
      // INVARIANT: the token is issued under the grant's terms as they are at commit: a narrowing that committed meanwhile wins.
      if (
        current.expiresAt !== grant.expiresAt ||
        formatScope(current.scopes) !== formatScope(grant.scopes)
      ) {
        throw new MandateError(
          'invalid_request',
          'the delegation grant was narrowed while this token was being issued; ask again',
        );
      }
    },
  });
}
