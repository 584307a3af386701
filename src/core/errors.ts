/**
 * One error taxonomy for the whole server. Every error has a stable `code` that callers
 * `switch` on; the HTTP layer maps a code to a status in one place (`statusOf`).
 * Messages follow Cedar's style: lowercase, one line, user input in backticks.
 */

export type ErrorCode =
  // generic
  | 'invalid_request'
  | 'invalid_config'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'internal'
  // identity
  | 'invalid_spiffe_id'
  | 'invalid_csr'
  | 'attestation_failed'
  | 'agent_inactive'
  // audit
  | 'audit_chain_broken'
  // OAuth (RFC 6749 §5.2, RFC 8693 §2.2.2, RFC 9449)
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_token_type'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_token'
  // credential broker: an upstream credential could not be obtained (never carries secret material)
  | 'credential_unavailable';

export class MandateError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable fields, safe to show a caller (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MandateError';
    this.code = code;
    this.details = details;
  }
}

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_config: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  internal: 500,
  invalid_spiffe_id: 400,
  invalid_csr: 400,
  attestation_failed: 401,
  agent_inactive: 403,
  audit_chain_broken: 409,
  invalid_client: 401,
  invalid_grant: 400,
  invalid_scope: 400,
  invalid_target: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  unsupported_token_type: 400,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  invalid_token: 401,
  credential_unavailable: 502,
};

/** The HTTP status for an error code. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

export function isMandateError(err: unknown): err is MandateError {
  return err instanceof MandateError;
}
