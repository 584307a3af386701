import { MandateError } from '../../core/errors.js';
import type { AgentRecord } from '../../core/store/index.js';
import { detailsToScopes } from '../../delegation/authorization-details.js';
import { isSubset, narrow } from '../../delegation/scope.js';
import type { AuthenticatedClient } from '../client-auth.js';
import type { TaskTokenParams } from '../task-params.js';
import type { Exchange, ExchangeDeps, IssuedTaskToken } from './context.js';
import { issueRootTask } from './root-task.js';
import { refuseRisky, taskPurpose } from './signal-check.js';
import { requireTargets } from './targets.js';

/**
 * Start a task (RFC 8693 with subject_token = the agent's own JWT-SVID): a root task token
 * with only the scopes the agent may hold, for the named targets, for at most
 * min(requested, agent limit, server limit).
 */
export async function startTask(deps: ExchangeDeps, x: Exchange): Promise<IssuedTaskToken> {
  const { client, request } = x;
  if (request.actorToken)
    throw new MandateError(
      'invalid_request',
      'to start a task send no `actor_token`; to delegate, the subject_token is the parent task token',
    );
  const agent = localAgent(client);
  const svid = await deps.svids.verify(
    request.subjectToken,
    deps.issuer,
    'subject_token',
    'invalid_request',
  );
  if (svid.spiffeId !== client.clientId)
    throw new MandateError(
      'invalid_request',
      "subject_token is not the authenticated agent's own jwt-svid",
    );
  return startAgentTask(deps, x, agent, {});
}

/** The registered agent behind the client: only agents of this trust domain start tasks. */
export function localAgent(client: AuthenticatedClient): AgentRecord {
  if (!client.agent)
    throw new MandateError(
      'unauthorized_client',
      'only agents registered in this trust domain can start tasks',
    );
  return client.agent;
}

/**
 * A new task of the authenticated agent, for itself (start-task, client_credentials): scopes and
 * details ⊆ the agent's allowed scopes, the registered purpose or a narrowing of it, no token at
 * the refusing risk.
 */
export function startAgentTask(
  deps: ExchangeDeps,
  x: Exchange<TaskTokenParams>,
  agent: AgentRecord,
  auditDetails: Record<string, unknown>,
): Promise<IssuedTaskToken> {
  const { request } = x;
  const targets = requireTargets(request.targets);
  const details = request.details ?? [];
  const requested = request.scopes ?? (request.details ? [] : undefined);
  const { scopes, widened } = narrow(requested, agent.allowedScopes);
  if (widened.length)
    throw new MandateError(
      'invalid_scope',
      `agent \`${agent.name}\` may not hold ${widened.map((s) => `\`${s}\``).join(', ')}`,
    );
  if (!isSubset(detailsToScopes(details), agent.allowedScopes)) {
    throw new MandateError(
      'invalid_request',
      `authorization_details name tools agent \`${agent.name}\` may not use`,
      { oauthError: 'invalid_authorization_details' },
    );
  }
  if (scopes.length === 0 && details.length === 0)
    throw new MandateError(
      'invalid_scope',
      `agent \`${agent.name}\` has no allowed scopes; register it with --scope`,
    );
  const purpose = taskPurpose(request.purpose, agent.purpose, deps.signals?.purposes);
  refuseRisky(deps.signals, { agent: agent.spiffeId, taskId: null, chain: [agent.spiffeId] });
  return issueRootTask(deps, x, {
    agent,
    subject: agent.spiffeId,
    scopes,
    details,
    targets,
    purpose,
    auditDetails,
  });
}
