/**
 * The failure vocabulary of JWT attestation. Every failure is a `MandateError` with code
 * `attestation_failed` and a stable `details.reason`, so callers and the audit log can tell a
 * forged token from an expired one without parsing messages.
 */
import { MandateError } from '../../core/errors.js';

export type AttestationFailureReason =
  | 'malformed'
  | 'unknown_issuer'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'missing_claim'
  | 'token_too_old'
  | 'jwks_unavailable'
  | 'no_matching_rule';

/** Builds the one error attestation ever throws. The message must never contain the token. */
export function attestationFailed(
  reason: AttestationFailureReason,
  message: string,
  cause?: unknown,
): MandateError {
  return new MandateError(
    'attestation_failed',
    message,
    { reason },
    cause === undefined ? undefined : { cause },
  );
}

const MAX_QUOTED = 80;

/**
 * Quotes a value taken from an untrusted token for a one-line message: backticks, control and
 * line-separator characters escaped, long values cut.
 */
export function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const escaped = JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/`/g, "'");
  return `\`${escaped.length > MAX_QUOTED ? `${escaped.slice(0, MAX_QUOTED)}...` : escaped}\``;
}
