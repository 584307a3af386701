import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { PipelineDeps, Step, ToolCall } from './context.js';
import { decisionPointUnavailableResult } from './results.js';

/**
 * Step 4: the decision (`DecisionService.authorize`: recorded in the task's session, audited).
 * If the decision point throws or cannot be reached, the call is refused: a failing decision
 * point is always fail-closed: there is no fail-open mode.
 */
export async function decideCall(
  call: ToolCall,
  deps: PipelineDeps,
  approved: boolean,
): Promise<AuthorizeResult | undefined> {
  const target = call.target!;
  try {
    return await deps.decisions().authorize({
      principal: call.principal,
      toolId: target.toolId,
      arguments: call.arguments,
      approved,
      requestId: call.requestId,
    });
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), tool: target.toolId },
      'decision point unavailable; failing closed',
    );
    return undefined;
  }
}

export const decide: Step = async (call, deps) => {
  const d = call.predecided ?? (await decideCall(call, deps, false));
  if (!d) return { done: decisionPointUnavailableResult(call.target!.toolId) };
  call.decision = d;
  return undefined;
};
