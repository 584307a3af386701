/**
 * Every error code Mandate answers with, in one table: the REST API's problem+json, the OAuth
 * endpoints' RFC 6749 §5.2 JSON, the HTTP proxy's refusals, the MCP gateway's HTTP answers and
 * the SSF receiver all read a code's status, title and standard error from here.
 * docs/errors.md is generated from this table (scripts/gen-error-docs.ts).
 */

/** The error an RFC defines for a code, as it is sent on the wire. */
export interface StandardError {
  /** The `error` string (or RFC 8935 `err`): `invalid_grant`, `invalid_token`, ... */
  readonly error: string;
  /** Where it is defined: `RFC 6749 §5.2`. */
  readonly rfc: string;
  /**
   * The status at the OAuth endpoints when it is not the code's own: RFC 9449 answers a bad DPoP
   * proof with 400 at the token endpoint (§5) and with 401 at a protected resource (§7.1).
   */
  readonly oauthStatus?: number;
}

export interface ErrorCodeInfo {
  /** The HTTP status of a refusal with this code (problem+json, a protected resource, a gateway). */
  readonly status: number;
  /** A short summary of the problem: the problem+json `title`, the same for every occurrence. */
  readonly title: string;
  /** Set when an RFC defines the error; codes without one are `invalid_request` (400) at the OAuth endpoints. */
  readonly standard?: StandardError;
  /** Where Mandate answers with it (docs/errors.md). */
  readonly usedBy: string;
}

const RFC6749 = 'RFC 6749 §5.2';

export const ERROR_CODES = {
  // generic
  invalid_request: {
    status: 400,
    title: 'Invalid request',
    standard: { error: 'invalid_request', rfc: 'RFC 6749 §5.2, RFC 6750 §3.1' },
    usedBy: 'everywhere: a malformed request or a bad parameter',
  },
  invalid_config: {
    status: 400,
    title: 'Invalid configuration',
    usedBy: 'configuration: a setting, key, CA, binding or provider that does not validate',
  },
  not_found: {
    status: 404,
    title: 'Not found',
    usedBy: 'REST API, HTTP proxy (unknown service)',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    usedBy: 'REST API: the resource is not in a state that allows the change',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    standard: { error: 'invalid_client', rfc: RFC6749 },
    usedBy: 'REST API (admin token, session), MCP gateway (no credentials)',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    standard: { error: 'invalid_client', rfc: RFC6749, oauthStatus: 401 },
    usedBy: 'REST API, MCP gateway (origin, session of another task)',
  },
  too_many_requests: {
    status: 429,
    title: 'Too many requests',
    usedBy: 'local admin sign-in after repeated wrong tokens',
  },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    standard: { error: 'temporarily_unavailable', rfc: 'RFC 6749 §4.1.2.1' },
    usedBy: 'everywhere: a dependency is down and Mandate fails closed',
  },
  internal: {
    status: 500,
    title: 'Internal error',
    standard: { error: 'server_error', rfc: 'RFC 6749 §4.1.2.1' },
    usedBy: 'everywhere: an unexpected failure (details are in the server log only)',
  },
  // identity
  invalid_spiffe_id: {
    status: 400,
    title: 'Invalid SPIFFE ID',
    usedBy: 'wherever a SPIFFE ID is read: agents, trust rules, federation, SVIDs',
  },
  invalid_csr: {
    status: 400,
    title: 'Invalid CSR',
    usedBy: 'X.509-SVID issuance',
  },
  attestation_failed: {
    status: 401,
    title: 'Attestation failed',
    usedBy: 'attestation (join token, JWT)',
  },
  agent_inactive: {
    status: 403,
    title: 'Agent not active',
    usedBy: 'attestation, token endpoint',
  },
  // audit
  audit_chain_broken: {
    status: 409,
    title: 'Audit chain broken',
    usedBy: 'audit checkpoints and archives',
  },
  // OAuth (RFC 6749 §5.2, RFC 8693 §2.2.2, RFC 8707, RFC 9449)
  invalid_client: {
    status: 401,
    title: 'Invalid client',
    standard: { error: 'invalid_client', rfc: RFC6749 },
    usedBy: 'token endpoint and every endpoint an agent calls with its SVID',
  },
  invalid_grant: {
    status: 400,
    title: 'Invalid grant',
    standard: { error: 'invalid_grant', rfc: RFC6749 },
    usedBy: 'token endpoint: a task refused for its risk or purpose',
  },
  invalid_scope: {
    status: 400,
    title: 'Invalid scope',
    standard: { error: 'invalid_scope', rfc: RFC6749 },
    usedBy: 'token endpoint, grants and grant requests',
  },
  invalid_target: {
    status: 400,
    title: 'Invalid target',
    standard: { error: 'invalid_target', rfc: 'RFC 8707 §2, RFC 8693 §2.2.2' },
    usedBy: 'token endpoint: `resource` / `audience`',
  },
  unauthorized_client: {
    status: 400,
    title: 'Unauthorized client',
    standard: { error: 'unauthorized_client', rfc: RFC6749 },
    usedBy: 'token endpoint, grant requests',
  },
  unsupported_grant_type: {
    status: 400,
    title: 'Unsupported grant type',
    standard: { error: 'unsupported_grant_type', rfc: RFC6749 },
    usedBy: 'token endpoint',
  },
  unsupported_token_type: {
    status: 400,
    title: 'Unsupported token type',
    standard: { error: 'unsupported_token_type', rfc: 'RFC 8693 §2.2.2' },
    usedBy: 'reserved for the token endpoint (RFC 8693 token types); not sent today',
  },
  invalid_redirect_uri: {
    status: 400,
    title: 'Invalid redirect URI',
    standard: { error: 'invalid_redirect_uri', rfc: 'RFC 7591 §3.2.2' },
    usedBy: 'client registration: a redirect uri that is not https or loopback http',
  },
  invalid_client_metadata: {
    status: 400,
    title: 'Invalid client metadata',
    standard: { error: 'invalid_client_metadata', rfc: 'RFC 7591 §3.2.2' },
    usedBy: 'client registration: a metadata field that is malformed or not supported',
  },
  invalid_dpop_proof: {
    status: 401,
    title: 'Invalid DPoP proof',
    standard: { error: 'invalid_dpop_proof', rfc: 'RFC 9449 §5, §7.1', oauthStatus: 400 },
    usedBy: 'token endpoint (400), every protected resource (401)',
  },
  use_dpop_nonce: {
    status: 401,
    title: 'DPoP nonce required',
    standard: { error: 'use_dpop_nonce', rfc: 'RFC 9449 §8, §9', oauthStatus: 400 },
    usedBy: 'token endpoint (400), every protected resource (401); the nonce is in `DPoP-Nonce`',
  },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    standard: { error: 'invalid_token', rfc: 'RFC 6750 §3.1' },
    usedBy: 'every protected resource: the token does not verify or is revoked',
  },
  missing_token: {
    status: 401,
    title: 'Token required',
    usedBy:
      'every protected resource: no credential (RFC 6750 §3.1: the challenge has no error code)',
  },
  insufficient_scope: {
    status: 403,
    title: 'Insufficient scope',
    standard: { error: 'insufficient_scope', rfc: 'RFC 6750 §3.1' },
    usedBy: "MCP gateway, HTTP proxy, SDK: the token's scopes do not grant the tool",
  },
  // credential broker: an upstream credential could not be obtained (never carries secret material)
  credential_unavailable: {
    status: 502,
    title: 'Credential unavailable',
    usedBy: 'credential broker, HTTP proxy',
  },
  // decisions at the enforcement points
  denied: {
    status: 403,
    title: 'Denied by policy',
    usedBy: 'HTTP proxy, SDK `authorize`',
  },
  approval_required: {
    status: 403,
    title: 'Approval required',
    usedBy: "HTTP proxy, SDK `authorize`: a human's approval is asked for",
  },
  approval_unavailable: {
    status: 403,
    title: 'Approval unavailable',
    usedBy: 'MCP gateway, HTTP proxy: approval is required but no approvals service runs',
  },
  decision_point_unavailable: {
    status: 503,
    title: 'Decision point unavailable',
    usedBy: 'MCP gateway, HTTP proxy: fail closed',
  },
  // the HTTP proxy
  token_passthrough: {
    status: 400,
    title: 'Token outside the authorization header',
    usedBy: 'HTTP proxy',
  },
  reserved_query_parameter: {
    status: 400,
    title: 'Reserved query parameter',
    usedBy: 'HTTP proxy: the parameter carries the injected credential',
  },
  unsupported_content_encoding: {
    status: 415,
    title: 'Unsupported content encoding',
    usedBy: 'HTTP proxy',
  },
  body_too_large: {
    status: 413,
    title: 'Body too large',
    usedBy: 'HTTP proxy',
  },
  invalid_json: {
    status: 400,
    title: 'Invalid JSON',
    usedBy: 'HTTP proxy',
  },
  invalid_path: {
    status: 400,
    title: 'Path with more than one reading',
    usedBy: 'HTTP proxy',
  },
  route_not_allowed: {
    status: 403,
    title: 'Route not allowed',
    usedBy: 'HTTP proxy',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    usedBy: 'HTTP proxy',
  },
  method_override: {
    status: 400,
    title: 'Method override refused',
    usedBy: 'HTTP proxy',
  },
  rate_limited: {
    status: 429,
    title: 'Rate limited',
    usedBy: 'HTTP proxy',
  },
  upstream_timeout: {
    status: 504,
    title: 'Upstream timeout',
    usedBy: 'HTTP proxy',
  },
  upstream_unavailable: {
    status: 502,
    title: 'Upstream unavailable',
    usedBy: 'HTTP proxy',
  },
  proxy_error: {
    status: 502,
    title: 'Proxy error',
    usedBy: 'HTTP proxy: an unexpected failure while handling the request',
  },
  // RFC 8935 §2.4: a pushed SET refused by the SSF receiver
  invalid_key: {
    status: 400,
    title: 'Invalid SET key',
    standard: { error: 'invalid_key', rfc: 'RFC 8935 §2.4' },
    usedBy: 'SSF receiver',
  },
  invalid_issuer: {
    status: 400,
    title: 'Invalid SET issuer',
    standard: { error: 'invalid_issuer', rfc: 'RFC 8935 §2.4' },
    usedBy: 'SSF receiver',
  },
  invalid_audience: {
    status: 400,
    title: 'Invalid SET audience',
    standard: { error: 'invalid_audience', rfc: 'RFC 8935 §2.4' },
    usedBy: 'SSF receiver',
  },
  authentication_failed: {
    status: 400,
    title: 'SET authentication failed',
    standard: { error: 'authentication_failed', rfc: 'RFC 8935 §2.4' },
    usedBy: 'SSF receiver',
  },
  access_denied: {
    status: 400,
    title: 'SET access denied',
    standard: { error: 'access_denied', rfc: 'RFC 8935 §2.4' },
    usedBy: 'SSF receiver',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable error code: callers `switch (err.code)`. */
export type ErrorCode = keyof typeof ERROR_CODES;

const TABLE: Readonly<Record<ErrorCode, ErrorCodeInfo>> = ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** The HTTP status for an error code. */
export function statusOf(code: ErrorCode): number {
  return TABLE[code].status;
}

/** The problem+json `title` of an error code. */
export function titleOf(code: ErrorCode): string {
  return TABLE[code].title;
}

/**
 * How an OAuth endpoint (RFC 6749 §5.2) answers a code: the standard `error` and its status;
 * a code no RFC defines is `invalid_request` (400).
 */
export function oauthErrorOf(code: ErrorCode): { error: string; status: number } {
  const s = TABLE[code].standard;
  if (!s) return { error: 'invalid_request', status: 400 };
  return { error: s.error, status: s.oauthStatus ?? TABLE[code].status };
}
