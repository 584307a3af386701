import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { Refused } from '../core/outcome.js';
import type { ProxyService, Refusal } from './context.js';

/**
 * The enforcement core's refusals (../core/outcome.ts) as the proxy answers them: a problem
 * document with the decision's facts, the RFC 6750 / RFC 9449 challenge where a token is the
 * reason, and the `mandate_proxy_denied_total` reason.
 */

const because = (reasons: readonly string[]): string =>
  reasons.length > 0 ? `by ${reasons.join(', ')}` : 'because no policy permits it';

const facts = (d: AuthorizeResult) => ({
  decision_id: d.decisionId,
  reasons: d.reasons,
  policy_set_version: d.policySetVersion,
});

export function refusalOf(r: Refused, service: ProxyService): Refusal {
  switch (r.kind) {
    case 'unauthenticated': {
      const e = r.refusal;
      return {
        code: e.code,
        detail: e.message,
        outcome: 'unauthenticated',
        reason: 'token',
        headers: e.headers(),
      };
    }
    case 'revoked': {
      // As the authenticator words a revoked token: the same refusal at every enforcement point.
      const e = service.auth.refusal(
        'invalid_token',
        `the token is revoked: ${r.reason}`,
        r.scheme,
      );
      return {
        code: e.code,
        detail: e.message,
        outcome: 'unauthenticated',
        reason: 'revoked',
        headers: e.headers(),
      };
    }
    case 'denied': {
      const { tool, decision: d } = r;
      const { toolId, scope, granted } = tool;
      if (granted)
        return {
          code: 'denied',
          detail: `mandate denied \`${toolId}\` ${because(d.reasons)} (decision ${d.decisionId})`,
          outcome: 'denied',
          reason: 'policy',
          extra: { ...facts(d), tool: toolId },
        };
      return {
        code: 'insufficient_scope',
        detail: `mandate denied \`${toolId}\`: the task token's scopes do not grant \`${scope}\` (decision ${d.decisionId})`,
        outcome: 'denied',
        reason: 'scope',
        headers: {
          'www-authenticate': service.auth.challenge({
            scheme: r.scheme,
            code: 'insufficient_scope',
            description: "the token's scopes do not grant this route's tool",
            scope,
          }),
        },
        extra: { ...facts(d), tool: toolId, scope },
      };
    }
    case 'approval_requested': {
      const { tool, decision: d, approval } = r;
      const expires = new Date(approval.expiresAt).toISOString();
      return {
        code: 'approval_required',
        detail: `mandate needs a human's approval for \`${tool.toolId}\` ${because(d.reasons)} (decision ${d.decisionId}, approval ${approval.id}); once approved at ${approval.approveUrl}, make the same request again before ${expires}`,
        outcome: 'approval_required',
        extra: {
          ...facts(d),
          tool: tool.toolId,
          approval_id: approval.id,
          approve_url: approval.approveUrl,
          status_url: approval.statusUrl,
          expires_at: expires,
        },
      };
    }
    case 'unavailable':
      if (r.service === 'authentication')
        return {
          code: 'unavailable',
          detail:
            'mandate could not verify the task token, and the proxy fails closed: nothing was forwarded',
          outcome: 'unavailable',
          headers: { 'retry-after': '1' },
        };
      if (r.service === 'approvals')
        return {
          code: 'approval_unavailable',
          detail: `mandate requires approval for \`${r.tool.toolId}\` ${because(r.decision.reasons)} (decision ${r.decision.decisionId}) but approvals are not available, so the request is refused`,
          outcome: 'denied',
          reason: 'approval',
          extra: { ...facts(r.decision), tool: r.tool.toolId },
        };
      return {
        code: 'decision_point_unavailable',
        detail: `mandate could not decide \`${r.tool.toolId}\`: the decision point is unavailable, and the proxy fails closed, so nothing was forwarded`,
        outcome: 'unavailable',
        headers: { 'retry-after': '1' },
      };
  }
}

/** The id of the decision a refusal carries, if it had one. */
export function decisionIdOf(r: Refused): string | undefined {
  return 'decision' in r ? r.decision.decisionId : undefined;
}
