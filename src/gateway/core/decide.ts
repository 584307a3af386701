import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { Decided, Permitting, Resolved } from './call.js';
import type { DecisionPointUnavailable, Denied } from './outcome.js';
import type { CoreDeps } from './ports.js';
import { end, next, type End, type Next } from './steps.js';

/**
 * `decide`: the decision (`DecisionService.authorize`: recorded in the task's session, audited) on
 * the resolved tool with the call's arguments. `deny` ends the call, and is the scope challenge
 * when the token's scopes do not grant the tool; `allow` and `approval_required` go on to
 * `approval`. A decision point that throws refuses the call: every enforcement point fails
 * closed, there is no fail-open mode.
 */

/** The decision, or undefined (logged) when the decision point could not answer. */
export async function authorize(
  call: Resolved,
  deps: Pick<CoreDeps, 'decisions' | 'log'>,
  approved: boolean,
): Promise<AuthorizeResult | undefined> {
  try {
    return await deps.decisions().authorize({
      principal: call.principal,
      toolId: call.tool.toolId,
      arguments: call.arguments,
      approved,
      requestId: call.requestId,
    });
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), tool: call.tool.toolId },
      'decision point unavailable; failing closed',
    );
    return undefined;
  }
}

export function denied(call: Resolved, decision: AuthorizeResult): Denied {
  return { kind: 'denied', scheme: call.scheme, tool: call.tool, decision };
}

const permits = (d: AuthorizeResult): d is Permitting => d.outcome !== 'deny';

export async function decide<C extends Resolved>(
  call: C,
  deps: Pick<CoreDeps, 'decisions' | 'log'>,
): Promise<Next<C & Decided> | End<Denied | DecisionPointUnavailable>> {
  const d = await authorize(call, deps, false);
  if (!d) return end({ kind: 'unavailable', service: 'decision_point', tool: call.tool });
  return permits(d) ? next({ ...call, decision: d }) : end(denied(call, d));
}
