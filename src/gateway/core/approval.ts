import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { Allowed, Decided } from './call.js';
import { authorize, denied } from './decide.js';
import type { CallRefused } from './outcome.js';
import type { CoreDeps } from './ports.js';
import { end, next, type End, type Next } from './steps.js';

/**
 * `approval`: what an `approval_required` decision needs. `allow` goes on. Otherwise an approval
 * bound to exactly this call (agent, task, tool, argument digest, policy version, reasons) is
 * spent when there is one, and the call is decided again with it; when there is none, one is
 * asked for and the call ends with where to approve it: the agent makes the same call again
 * once it is approved. Without a working approvals service the call is refused.
 */

const isAllow = (d: AuthorizeResult): d is AuthorizeResult & { outcome: 'allow' } =>
  d.outcome === 'allow';

export async function approval<C extends Decided>(
  call: C,
  deps: CoreDeps,
): Promise<Next<C & Allowed> | End<CallRefused>> {
  const { decision: d, tool } = call;
  if (isAllow(d)) return next({ ...call, decision: d, allowed: 'by_policy' });
  const unavailable = (err?: unknown, msg?: string) => {
    if (msg) deps.log.error({ err: String(err), tool: tool.toolId }, msg);
    return end({ kind: 'unavailable', service: 'approvals', tool, decision: d } as const);
  };
  const approvals = deps.approvals();
  if (!approvals) return unavailable();
  const binding = {
    agent: call.principal.actor,
    taskId: call.principal.taskId,
    target: tool.toolId,
    arguments: call.arguments,
    requestId: call.requestId,
  };
  let consumed: boolean;
  try {
    consumed = await approvals.consume({
      ...binding,
      policySetVersion: d.policySetVersion,
      reasons: d.reasons,
    });
  } catch (err) {
    return unavailable(err, 'approvals unavailable; refusing the call');
  }
  if (consumed) {
    const again = await authorize(call, deps, true);
    if (!again) return end({ kind: 'unavailable', service: 'decision_point', tool });
    if (!isAllow(again)) return end(denied(call, again));
    return next({ ...call, decision: again, allowed: 'approval_consumed' });
  }
  try {
    const ticket = await approvals.request({
      ...binding,
      policySetVersion: d.policySetVersion,
      decisionId: d.decisionId,
      reasons: d.reasons,
      audience: call.resource,
    });
    return end({ kind: 'approval_requested', tool, decision: d, approval: ticket });
  } catch (err) {
    return unavailable(err, 'approval request failed; refusing the call');
  }
}
