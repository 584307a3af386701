import type { TaskToken } from './agent-types.js';
import { apiError } from './errors.js';

/**
 * One tool call to decide, for an agent whose tools run in its own process.
 *
 * @example
 * const input: AuthorizeInput = { task, tool: 'crm/lookup', arguments: { email: 'a@example.org' } };
 */
export interface AuthorizeInput {
  /** The task the call is made for; started with `resource` = the Mandate server's issuer URL. */
  task: TaskToken;
  /** The tool's catalog id, `<server>/<tool>`, e.g. `crm/lookup`. */
  tool: string;
  /** The call's arguments, as the tool will receive them. */
  arguments?: Record<string, unknown>;
}

/**
 * Mandate's answer for one tool call.
 *
 * @example
 * const { decision, reasons } = await agent.decide(input); // 'deny', ['mandate.no-external-after-confidential']
 */
export interface Decision {
  decision: 'allow' | 'deny' | 'approval_required';
  /** The audited decision's id (null when the call never reached the decision point). */
  decisionId: string | null;
  /** The policies that determined the decision. */
  reasons: string[];
  /** Policies that failed to evaluate (skipped, not counted as deny). */
  errors: { policy: string; message: string }[];
  policySetVersion: string | null;
}

/**
 * A tool call Mandate did not allow: `code` is `denied` or `approval_required`, `decision` the
 * full answer (policy ids in `reasons`, the audited `decisionId`). Thrown by
 * `MandateAgent.authorize` and by functions wrapped with `MandateAgent.guard`.
 *
 * @example
 * try {
 *   await agent.authorize({ task, tool: 'crm/delete', arguments: { id } });
 * } catch (err) {
 *   if (err instanceof ToolCallDeniedError) return `not allowed: ${err.decision.reasons.join(', ')}`;
 *   throw err;
 * }
 */
export class ToolCallDeniedError extends Error {
  readonly code: 'denied' | 'approval_required';

  constructor(
    readonly tool: string,
    readonly decision: Decision,
  ) {
    const why =
      decision.reasons.length > 0
        ? decision.reasons.join(', ')
        : decision.errors.map((e) => e.message).join('; ') || 'no policy permits the call';
    super(
      decision.decision === 'approval_required'
        ? `tool \`${tool}\` needs a human's approval (${why})`
        : `tool \`${tool}\` is denied (${why})`,
    );
    this.name = 'ToolCallDeniedError';
    this.code = decision.decision === 'approval_required' ? 'approval_required' : 'denied';
  }
}

interface DecisionJson {
  decision: Decision['decision'];
  decision_id: string | null;
  reasons?: string[];
  errors?: { policy: string; message: string }[];
  policy_set_version: string | null;
}

/** Internal (use `MandateAgent.decide`): POST /v1/authorize/self with the task's credential (`taskFetch` adds it); the decision as Mandate answered it. */
export async function requestDecision(
  taskFetch: typeof fetch,
  url: string,
  input: AuthorizeInput,
): Promise<Decision> {
  let res: Response;
  try {
    res = await taskFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ tool: input.tool, arguments: input.arguments ?? {} }),
    });
  } catch (cause) {
    throw new Error(
      `cannot reach the Mandate server at ${new URL(url).origin}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (!res.ok) throw await apiError(res);
  const body = (await res.json()) as DecisionJson;
  return {
    decision: body.decision,
    decisionId: body.decision_id,
    reasons: body.reasons ?? [],
    errors: body.errors ?? [],
    policySetVersion: body.policy_set_version,
  };
}
