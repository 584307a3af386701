/** Why a task token was refused. Stable: callers may `switch` on it. */
export type TokenVerificationReason =
  | 'malformed'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'missing_claim'
  | 'bad_chain'
  | 'revoked'
  | 'jwks_unavailable';

/**
 * A refused task token. `code` is always the RFC 6750 §3.1 error code `invalid_token`, so a
 * resource server can answer `WWW-Authenticate: Bearer error="invalid_token"`; `reason` says
 * which check failed. The message never contains the token.
 *
 * @example
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof TokenVerificationError) reply(401, err.reason);
 *   else throw err;
 * }
 */
export class TokenVerificationError extends Error {
  readonly code = 'invalid_token' as const;

  constructor(
    readonly reason: TokenVerificationReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenVerificationError';
  }
}

/** Quotes attacker-controlled text for an error message: short, in backticks, one line. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const clipped = text.length > 64 ? `${text.slice(0, 64)}…` : text;
  return `\`${clipped.replace(/[\r\n`]/g, ' ')}\``;
}
