import type { DecisionRequest } from './request.js';

/**
 * Mandate's decision-point interface (STYLE.md habit 12): the gateway, the AuthZEN API and the
 * SDK ask `authorize(request)` and never see the engine behind it. cedar-wasm
 * (`engines/wasm.ts`) is the first implementation; a compiled engine must decide the same.
 */

export type Outcome = 'allow' | 'deny' | 'approval_required';

/** A policy that could not be evaluated; `policy` is empty when the request itself was refused. */
export interface DecisionError {
  policy: string;
  message: string;
}

export interface Decision {
  outcome: Outcome;
  /**
   * The determining policy ids: the permits that held for `allow`, the forbids that held for
   * `deny` / `approval_required`; empty for a deny because nothing permits the request.
   */
  reasons: string[];
  /** Policies skipped because evaluating them failed (Cedar semantics), or the request's own error. */
  errors: DecisionError[];
  /** The version of the policy set that decided. */
  policySetVersion: string;
  /** For `approval_required`: the `@approval("required")` policies an approval satisfies; otherwise empty. */
  approvalPolicies: string[];
}

export interface DecisionPoint {
  /**
   * Decides one request. Never throws for a bad request: it is denied, with the reason in
   * `errors` (policy `""`).
   *
   * @example
   * const d = point.authorize(request);
   * if (d.outcome === 'approval_required') await askHuman(d.approvalPolicies);
   */
  authorize(req: DecisionRequest): Decision;
  /** The version of the active policy set (also in every decision). */
  readonly version: string;
}

/** The annotation that marks a forbid policy as "unless approved": `@approval("required")`. */
export const APPROVAL_ANNOTATION = 'approval';
export const APPROVAL_REQUIRED = 'required';

/** What an engine found for one request, before Mandate's outcome rules apply. */
export interface EngineAnswer {
  decision: 'allow' | 'deny';
  reasons: string[];
  errors: DecisionError[];
}

/**
 * Mandate's outcome rules over an engine's answer (issue 4, item 5). Allow is allow. A deny is
 * `approval_required` only when approval is the sole reason for it: at least one forbid held,
 * every forbid that held carries `@approval("required")` (so an approval never overrides a hard
 * forbid), and the same request with an approval present would be allowed (so nobody is asked to
 * approve what nothing permits). `ifApproved` evaluates that second request; it is called only
 * when the first two conditions hold, and returns null when the request cannot carry an approval.
 */
export function decide(
  answer: EngineAnswer,
  version: string,
  isApprovalPolicy: (id: string) => boolean,
  ifApproved: () => EngineAnswer | null,
): Decision {
  const base = {
    reasons: answer.reasons,
    errors: answer.errors,
    policySetVersion: version,
    approvalPolicies: [],
  };
  if (answer.decision === 'allow') return { outcome: 'allow', ...base };
  if (answer.reasons.length === 0 || !answer.reasons.every(isApprovalPolicy))
    return { outcome: 'deny', ...base };
  const approved = ifApproved();
  if (approved?.decision !== 'allow') return { outcome: 'deny', ...base };
  return { outcome: 'approval_required', ...base, approvalPolicies: [...answer.reasons] };
}

/** A deny for a request that could not be evaluated at all. */
export function refused(message: string, version: string): Decision {
  return {
    outcome: 'deny',
    reasons: [],
    errors: [{ policy: '', message }],
    policySetVersion: version,
    approvalPolicies: [],
  };
}
