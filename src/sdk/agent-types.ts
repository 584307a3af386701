/** What `MandateAgent` takes and returns for tasks (see agent.ts). */

/** Mandate's RFC 9396 `authorization_details` entry: which tools, optionally where and which actions. */
export interface ToolAccessDetail {
  type: 'tool_access';
  tools: string[];
  locations?: string[];
  actions?: string[];
}

/** A task token as the token endpoint returned it. */
export interface TaskToken {
  accessToken: string;
  /** `DPoP` when the token is bound to a key (`cnf.jkt`): every use needs a proof. */
  tokenType: 'Bearer' | 'DPoP';
  expiresAt: Date;
  scope: string[];
  taskId: string;
  authorizationDetails?: ToolAccessDetail[];
}

export interface StartTaskInput {
  /** Where the token will be used (RFC 8707), e.g. the gateway URL. */
  resource: string | string[];
  /** Tools the task needs; the server grants only what the agent may hold. */
  scope?: string[];
  authorizationDetails?: ToolAccessDetail[];
  purpose?: string;
  ttlSeconds?: number;
}

export interface DelegateInput {
  /**
   * The delegate's JWT-SVID for `[issuer, the delegator's SPIFFE ID]` (the delegate's
   * `delegationSvidFor(delegator)`); one for the issuer alone works only when the delegate itself
   * asks for the delegation.
   */
  delegateSvid: string;
  /** A subset of the parent's scope; default all of it. */
  scope?: string[];
  /** A subset of the parent's targets; default all of them. */
  resource?: string | string[];
  ttlSeconds?: number;
  /** Bind the child token to the delegate's DPoP key thumbprint (the delegate's `dpopJkt()`). */
  dpopJkt?: string;
}
