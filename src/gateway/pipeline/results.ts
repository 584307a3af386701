import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult } from '../../policy/decision-service.js';

/**
 * How the gateway says no. A refused `tools/call` is a tool result with `isError: true`: the MCP
 * spec (2025-11-25, "Error handling") reserves JSON-RPC errors for protocol problems (unknown
 * tool, malformed request) and reports errors the model should see and act on in the result, so
 * the agent's model reads why it was refused instead of its client swallowing an exception.
 * The machine-readable facts are under `_meta["mandate/decision"]`. Refused resources and
 * prompts have no such result shape, so they are JSON-RPC errors with the same facts in `data`.
 */

export const DECISION_META = 'mandate/decision';

/** JSON-RPC error code for a resource or prompt the gateway refused (implementation-defined server error range). */
export const POLICY_REFUSED = -32003;

export interface DecisionFacts {
  outcome: 'deny' | 'approval_required';
  decision_id: string | null;
  reasons: string[];
  policy_set_version: string | null;
  /** `decision_point_unavailable`, `revoked`, `approval_unavailable`: a refusal not decided by policy. */
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

export function deniedResult(toolId: string, d: AuthorizeResult): CallToolResult {
  // A request refused before any policy ran (arguments with more than one reading) says why.
  const refusal = d.errors.filter((e) => e.policy === '').map((e) => e.message);
  const why = refusal.length > 0 ? `: ${refusal.join('; ')}` : ` ${because(d.reasons)}`;
  return result(
    `mandate denied \`${toolId}\`${why} (decision ${d.decisionId}). do not retry this call as is.`,
    facts(d),
  );
}

export function approvalResult(
  toolId: string,
  d: AuthorizeResult,
  approval: { id: string; approveUrl: string; statusUrl: string; expiresAt: number },
): CallToolResult {
  const expires = new Date(approval.expiresAt).toISOString();
  return result(
    `mandate needs a human's approval for \`${toolId}\` ${because(d.reasons)} (decision ${d.decisionId}, approval ${approval.id}). ask the user to approve at ${approval.approveUrl}, then make the same call again with the same arguments before ${expires}.`,
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

/** approval_required when no approvals service is running: the call cannot be approved, so it is refused. */
export function approvalUnavailableResult(toolId: string, d: AuthorizeResult): CallToolResult {
  return result(
    `mandate requires approval for \`${toolId}\` ${because(d.reasons)} (decision ${d.decisionId}) but approvals are not available here, so the call is refused.`,
    { ...facts(d), outcome: 'deny', error: 'approval_unavailable' },
  );
}

export function decisionPointUnavailableResult(toolId: string): CallToolResult {
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

export function revokedResult(toolId: string, reason: string): CallToolResult {
  return result(`mandate refused \`${toolId}\`: the task token is no longer valid (${reason}).`, {
    outcome: 'deny',
    decision_id: null,
    reasons: [],
    policy_set_version: null,
    error: 'revoked',
  });
}

/** The JSON-RPC error for a refused resource read or prompt get. */
export function refusedError(what: string, f: DecisionFacts): McpError {
  const text =
    f.error === 'decision_point_unavailable'
      ? `mandate could not decide ${what}: the decision point is unavailable, and the gateway fails closed`
      : f.error === 'revoked'
        ? `mandate refused ${what}: the task token is no longer valid`
        : f.error === 'insufficient_scope'
          ? `mandate denied ${what}: the task token's scopes do not grant it`
          : `mandate denied ${what} ${because(f.reasons)}${f.decision_id ? ` (decision ${f.decision_id})` : ''}`;
  return new McpError(POLICY_REFUSED, text, { [DECISION_META]: f });
}
