import { covers } from '../../../delegation/scope.js';
import type { AuthorizeResult } from '../../../policy/decision-service.js';
import type { ProxyCall, Refusal, Step } from '../context.js';
import { decideCall, decisionPointUnavailable } from './decide.js';

/**
 * Step 8: the decision's outcome. `allow` goes on. `deny` is 403 with the reasons and the
 * decision id (and, when the token's scopes do not grant the tool, an RFC 6750
 * `insufficient_scope` challenge naming the scope). `approval_required` spends an approval bound
 * to exactly this call (agent, task, tool, arguments) when there is one and decides again with
 * it; otherwise it asks for one and answers 403 with the approval's id and where to approve it
 * and poll it: the agent makes the identical request again once approved.
 */

const because = (reasons: readonly string[]): string =>
  reasons.length > 0 ? `by ${reasons.join(', ')}` : 'because no policy permits it';

const facts = (d: AuthorizeResult) => ({
  decision_id: d.decisionId,
  reasons: d.reasons,
  policy_set_version: d.policySetVersion,
});

function denied(call: ProxyCall, d: AuthorizeResult): { refuse: Refusal } {
  const { toolId } = call.route!;
  const scope = `tool:${toolId}`;
  const p = call.principal!;
  const granted = p.scopes.some((s) => covers(s, scope));
  const detail = granted
    ? `mandate denied \`${toolId}\` ${because(d.reasons)} (decision ${d.decisionId})`
    : `mandate denied \`${toolId}\`: the task token's scopes do not grant \`${scope}\` (decision ${d.decisionId})`;
  const headers = granted
    ? undefined
    : {
        'www-authenticate': call.service.auth.challenge({
          scheme: p.cnfJkt === null ? 'Bearer' : 'DPoP',
          code: 'insufficient_scope',
          description: "the token's scopes do not grant this route's tool",
          scope,
        }),
      };
  return {
    refuse: {
      code: granted ? 'denied' : 'insufficient_scope',
      detail,
      outcome: 'denied',
      reason: granted ? 'policy' : 'scope',
      ...(headers ? { headers } : {}),
      extra: { ...facts(d), tool: toolId, ...(granted ? {} : { scope }) },
    },
  };
}

function approvalUnavailable(call: ProxyCall, d: AuthorizeResult): { refuse: Refusal } {
  const { toolId } = call.route!;
  return {
    refuse: {
      code: 'approval_unavailable',
      detail: `mandate requires approval for \`${toolId}\` ${because(d.reasons)} (decision ${d.decisionId}) but approvals are not available, so the request is refused`,
      outcome: 'denied',
      reason: 'approval',
      extra: { ...facts(d), tool: toolId },
    },
  };
}

export const approval: Step = async (call, deps) => {
  const d = call.decision!;
  const { toolId } = call.route!;
  if (d.outcome === 'allow') return undefined;
  if (d.outcome === 'deny') return denied(call, d);
  const approvals = deps.approvals;
  if (!approvals) return approvalUnavailable(call, d);
  const p = call.principal!;
  const binding = { agent: p.actor, taskId: p.taskId, target: toolId, arguments: call.arguments! };
  let consumed: boolean;
  try {
    consumed = await approvals.consume({
      ...binding,
      policySetVersion: d.policySetVersion,
      reasons: d.reasons,
      requestId: call.requestId,
    });
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), tool: toolId },
      'approvals unavailable; refusing the request',
    );
    return approvalUnavailable(call, d);
  }
  if (consumed) {
    const again = await decideCall(call, deps, true);
    if (!again) return decisionPointUnavailable(toolId);
    call.decision = again;
    return again.outcome === 'allow' ? undefined : denied(call, again);
  }
  let ticket;
  try {
    ticket = await approvals.request({
      ...binding,
      policySetVersion: d.policySetVersion,
      decisionId: d.decisionId,
      reasons: d.reasons,
      audience: call.service.resource,
      requestId: call.requestId,
    });
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), tool: toolId },
      'approval request failed; refusing the request',
    );
    return approvalUnavailable(call, d);
  }
  const expires = new Date(ticket.expiresAt).toISOString();
  return {
    refuse: {
      code: 'approval_required',
      detail: `mandate needs a human's approval for \`${toolId}\` ${because(d.reasons)} (decision ${d.decisionId}, approval ${ticket.id}); once approved at ${ticket.approveUrl}, make the same request again before ${expires}`,
      outcome: 'approval_required',
      extra: {
        ...facts(d),
        tool: toolId,
        approval_id: ticket.id,
        approve_url: ticket.approveUrl,
        status_url: ticket.statusUrl,
        expires_at: expires,
      },
    },
  };
};
