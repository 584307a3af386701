import type { Decision } from './decision-point.js';
import type { DecisionRequest } from './request.js';

/** The policy ids of the default pack that enforce the restricting responses (defaults/signals.cedar). */
export const SIGNAL_NEEDS_APPROVAL = 'mandate.signal-needs-approval';
export const SIGNAL_READ_ONLY = 'mandate.signal-read-only';

/**
 * The restricting responses to risk signals (docs/signals.md) hold whatever the active policy set
 * says. The default pack enforces them in Cedar (`signals.cedar`); a set stored without those two
 * policies would leave an audited response without effect, so the decision service applies the
 * same two rules to the decision point's answer, under the same policy ids:
 *
 * - `read_only`: a tool call whose side effect is not `read` (an uncataloged tool counts as
 *   destructive) is denied, approved or not.
 * - `require_approval`: a tool call, resource read or prompt that would be allowed needs a human
 *   approval bound to exactly that call, unless one is present.
 *
 * A decision the policies already made stricter is left as it is, so with the default pack the
 * guard never changes a decision.
 */
export function guardRestrictions(request: DecisionRequest, decision: Decision): Decision {
  const restrictions = request.restrictions;
  if (!restrictions || restrictions.length === 0 || decision.outcome === 'deny') return decision;
  if (
    restrictions.includes('read_only') &&
    request.action === 'call_tool' &&
    !(request.tool.cataloged && request.tool.sideEffect === 'read')
  ) {
    return { ...decision, outcome: 'deny', reasons: [SIGNAL_READ_ONLY], approvalPolicies: [] };
  }
  const approvable =
    request.action === 'call_tool' ||
    request.action === 'read_resource' ||
    request.action === 'get_prompt';
  if (
    restrictions.includes('require_approval') &&
    approvable &&
    !request.approved &&
    decision.outcome === 'allow'
  ) {
    return {
      ...decision,
      outcome: 'approval_required',
      reasons: [SIGNAL_NEEDS_APPROVAL],
      approvalPolicies: [SIGNAL_NEEDS_APPROVAL],
    };
  }
  return decision;
}
