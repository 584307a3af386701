import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult } from '../../../policy/decision-service.js';
import type {
  ApprovalRequested,
  ApprovalsUnavailable,
  CallRefused,
  DecisionPointUnavailable,
  Denied,
} from '../../core/outcome.js';

/**
 * How the gateway says no. A refused `tools/call` is a tool result with `isError: true`: the MCP
 * spec (2025-11-25, "Error handling") reserves JSON-RPC errors for protocol problems (unknown
 * tool, malformed request) and reports errors the model should see and act on in the result, so
 * the agent's model reads why it was refused instead of its client swallowing an exception.
 * The machine-readable facts are under `_meta["mandate/decision"]`. Refused resources and
 * prompts have no such result shape, so they are JSON-RPC errors with the same facts in `data`,
 * and so is a call answered with the scope challenge (HTTP 403, ../gateway.ts).
 */

export const DECISION_META = 'mandate/decision';

/** JSON-RPC error code for a call, resource or prompt the gateway refused (implementation-defined server error range). */
export const POLICY_REFUSED = -32003;

export interface DecisionFacts {
  outcome: 'deny' | 'approval_required';
  decision_id: string | null;
  reasons: string[];
  policy_set_version: string | null;
  /** `decision_point_unavailable`, `approval_unavailable`, `insufficient_scope`: a refusal not decided by policy alone. */
  error?: string;
  approval?: { id: string; approve_url: string; status_url: string; expires_at: string };
}

function result(text: string, facts: DecisionFacts): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true, _meta: { [DECISION_META]: facts } };
}

const facts = (d: AuthorizeResult): DecisionFacts => ({
  outcome: d.outcome === 'approval_required' ? 'approval_required' : 'deny',
  decision_id: d.decisionId,
  reasons: d.reasons,
  policy_set_version: d.policySetVersion,
});

const because = (reasons: readonly string[]): string =>
  reasons.length > 0 ? `by ${reasons.join(', ')}` : 'because no policy permits it';

function deniedResult(toolId: string, d: AuthorizeResult): CallToolResult {
  // A request refused before any policy ran (arguments with more than one reading) says why.
  const refusal = d.errors.filter((e) => e.policy === '').map((e) => e.message);
  const why = refusal.length > 0 ? `: ${refusal.join('; ')}` : ` ${because(d.reasons)}`;
  return result(
    `mandate denied \`${toolId}\`${why} (decision ${d.decisionId}). do not retry this call as is.`,
    facts(d),
  );
}

function approvalResult({ tool, decision: d, approval }: ApprovalRequested): CallToolResult {
  const expires = new Date(approval.expiresAt).toISOString();
  return result(
    `mandate needs a human's approval for \`${tool.toolId}\` ${because(d.reasons)} (decision ${d.decisionId}, approval ${approval.id}). ask the user to approve at ${approval.approveUrl}, then make the same call again with the same arguments before ${expires}.`,
    {
      ...facts(d),
      approval: {
        id: approval.id,
        approve_url: approval.approveUrl,
        status_url: approval.statusUrl,
        expires_at: expires,
      },
    },
  );
}

function unavailableResult(r: DecisionPointUnavailable | ApprovalsUnavailable): CallToolResult {
  const { toolId } = r.tool;
  // approval_required without approvals: the call cannot be approved, so it is refused.
  if (r.service === 'approvals')
    return result(
      `mandate requires approval for \`${toolId}\` ${because(r.decision.reasons)} (decision ${r.decision.decisionId}) but approvals are not available here, so the call is refused.`,
      { ...facts(r.decision), outcome: 'deny', error: 'approval_unavailable' },
    );
  return result(
    `mandate could not decide \`${toolId}\`: the decision point is unavailable, and the gateway fails closed, so nothing was forwarded.`,
    {
      outcome: 'deny',
      decision_id: null,
      reasons: [],
      policy_set_version: null,
      error: 'decision_point_unavailable',
    },
  );
}

/** The tool result of a call refused in its session. */
export function refusedResult(r: CallRefused): CallToolResult {
  switch (r.kind) {
    case 'denied':
      return deniedResult(r.tool.toolId, r.decision);
    case 'approval_requested':
      return approvalResult(r);
    case 'unavailable':
      return unavailableResult(r);
  }
}

/** The facts of a call answered with the scope challenge: denied, and the token's scopes do not grant it. */
export function scopeChallengeFacts(d: Denied): DecisionFacts {
  return { ...facts(d.decision), outcome: 'deny', error: 'insufficient_scope' };
}

/** The JSON-RPC error for a refused resource read or prompt get. */
export function refusedError(what: string, f: DecisionFacts): McpError {
  const text =
    f.error === 'decision_point_unavailable'
      ? `mandate could not decide ${what}: the decision point is unavailable, and the gateway fails closed`
      : `mandate denied ${what} ${because(f.reasons)}${f.decision_id ? ` (decision ${f.decision_id})` : ''}`;
  return new McpError(POLICY_REFUSED, text, { [DECISION_META]: f });
}
