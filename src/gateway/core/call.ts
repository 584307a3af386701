import { covers } from '../../delegation/scope.js';
import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { AuthorizationScheme } from '../../protocol/authorization-header.js';
import type { Principal } from '../task-token-verifier.js';

/**
 * What an enforcement point knows about a call, growing step by step: each context below is the
 * one before it plus what one step found out. A front's own contexts extend these with what it
 * needs to answer and forward (the MCP session, the proxied request).
 */

/** A call as it arrives, before anything is checked. */
export interface Incoming {
  /** The protected resource the call is made to: the audience its token must have, and an approval's. */
  readonly resource: string;
  /** Correlates the audit events and approvals of the call with its HTTP request. */
  readonly requestId: string | null;
}

/** A call whose task token was verified for `resource`. */
export interface Authenticated extends Incoming {
  readonly principal: Principal;
  /** How the token came (`Bearer`, or `DPoP` with a proof): refusals challenge in this scheme. */
  readonly scheme: AuthorizationScheme;
}

/** The tool a call names, as policy and the token's scopes know it. */
export interface ToolTarget {
  /** `<server>/<tool>`. */
  readonly toolId: string;
  /** `tool:<server>/<tool>`: the scope that grants it. */
  readonly scope: string;
  /** Whether the token's scopes grant it; a tool they do not grant is denied with a scope challenge. */
  readonly granted: boolean;
}

export function toolTarget(toolId: string, principal: Principal): ToolTarget {
  const scope = `tool:${toolId}`;
  return { toolId, scope, granted: principal.scopes.some((s) => covers(s, scope)) };
}

/** A call resolved to a tool, with the arguments the decision sees and an approval is bound to. */
export interface Resolved extends Authenticated {
  readonly tool: ToolTarget;
  readonly arguments: Record<string, unknown>;
}

/** A decision that lets the call go on: at once, or once a human approves exactly this call. */
export type Permitting = AuthorizeResult & { readonly outcome: 'allow' | 'approval_required' };

export interface Decided extends Resolved {
  readonly decision: Permitting;
}

/** A call that may be forwarded: allowed by policy, or allowed with an approval it has now spent. */
export interface Allowed extends Resolved {
  readonly decision: AuthorizeResult & { readonly outcome: 'allow' };
  readonly allowed: 'by_policy' | 'approval_consumed';
}
