import type { Step } from './context.js';
import { decideCall } from './decide.js';
import {
  approvalResult,
  approvalUnavailableResult,
  decisionPointUnavailableResult,
  deniedResult,
} from './results.js';

/**
 * Step 5: the decision's outcome. `allow` goes on; `deny` ends the call with the reason and the
 * decision id; `approval_required` spends an approval bound to exactly this call when there is
 * one (then decides again with `approved: true`), and otherwise asks for one and ends the call
 * with the approval's id and where to approve it.
 */
export const enforce: Step = async (call, deps) => {
  const d = call.decision!;
  const { toolId } = call.target!;
  if (d.outcome === 'allow') return undefined;
  if (d.outcome === 'deny') return { done: deniedResult(toolId, d) };
  const approvals = deps.approvals();
  if (!approvals) return { done: approvalUnavailableResult(toolId, d) };
  const binding = {
    agent: call.principal.actor,
    taskId: call.principal.taskId,
    target: toolId,
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
    deps.log.error({ err: String(err), tool: toolId }, 'approvals unavailable; refusing the call');
    return { done: approvalUnavailableResult(toolId, d) };
  }
  if (consumed) {
    const again = await decideCall(call, deps, true);
    if (!again) return { done: decisionPointUnavailableResult(toolId) };
    call.decision = again;
    return again.outcome === 'allow' ? undefined : { done: deniedResult(toolId, again) };
  }
  try {
    const approval = await approvals.request({
      ...binding,
      policySetVersion: d.policySetVersion,
      decisionId: d.decisionId,
      reasons: d.reasons,
      audience: deps.resource,
    });
    return { done: approvalResult(toolId, d, approval) };
  } catch (err) {
    deps.log.error(
      { err: String(err), tool: toolId },
      'approval request failed; refusing the call',
    );
    return { done: approvalUnavailableResult(toolId, d) };
  }
};
