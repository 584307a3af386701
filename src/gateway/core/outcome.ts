import type { ApprovalTicket } from '../../delegation/approvals.js';
import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { AuthorizationScheme } from '../../protocol/authorization-header.js';
import type { RequestVerificationError } from '../../protocol/errors.js';
import type { ToolTarget } from './call.js';

/**
 * How a call can end before it is forwarded, whatever the front: each front renders these in its
 * own protocol (the MCP gateway as HTTP 401/403 challenges, JSON-RPC errors and error results;
 * the HTTP proxy as problem+json). A call that goes on is an `Allowed` (./call.ts).
 */

/** A request without a usable task token: the protocol module's refusal, with its status, code, challenge and body. */
export interface Unauthenticated {
  readonly kind: 'unauthenticated';
  readonly refusal: RequestVerificationError;
}

/** The token, its task, an agent on its chain, its grant, an ancestor token or its signing key was revoked. */
export interface Revoked {
  readonly kind: 'revoked';
  /** The scheme the request used: the challenge to answer in. */
  readonly scheme: AuthorizationScheme;
  readonly reason: string;
}

/** Policy denied the call; when `tool.granted` is false the token's scopes do not grant it either (the scope challenge). */
export interface Denied {
  readonly kind: 'denied';
  readonly scheme: AuthorizationScheme;
  readonly tool: ToolTarget;
  readonly decision: AuthorizeResult;
}

/** The call needs a human's approval; one was asked for (or was already pending) and the agent makes the same call again once it is given. */
export interface ApprovalRequested {
  readonly kind: 'approval_requested';
  readonly tool: ToolTarget;
  readonly decision: AuthorizeResult;
  readonly approval: ApprovalTicket;
}

/** Something the call needs could not answer, so it is refused: every enforcement point fails closed. */
export type Unavailable =
  AuthenticationUnavailable | DecisionPointUnavailable | ApprovalsUnavailable;

/** The token could not be checked (its verifier, the DPoP replay cache or the revocation check failing). */
export interface AuthenticationUnavailable {
  readonly kind: 'unavailable';
  readonly service: 'authentication';
}

export interface DecisionPointUnavailable {
  readonly kind: 'unavailable';
  readonly service: 'decision_point';
  readonly tool: ToolTarget;
}

export interface ApprovalsUnavailable {
  readonly kind: 'unavailable';
  readonly service: 'approvals';
  readonly tool: ToolTarget;
  /** The `approval_required` decision no approval could be asked or spent for. */
  readonly decision: AuthorizeResult;
}

/** How a call resolved to a tool can end: denied, waiting for an approval, or refused for want of a service. */
export type CallRefused =
  Denied | ApprovalRequested | DecisionPointUnavailable | ApprovalsUnavailable;

export type Refused = Unauthenticated | Revoked | Denied | ApprovalRequested | Unavailable;

/** A denial of a tool the token's scopes do not grant: answered with the RFC 6750 §3.1 `insufficient_scope` challenge naming the scope. */
export function isScopeChallenge(r: Refused): r is Denied {
  return r.kind === 'denied' && !r.tool.granted;
}
