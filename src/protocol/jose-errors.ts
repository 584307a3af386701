import { errors } from 'jose';

/**
 * What went wrong when jose verified a JWS or JWT, read from its error classes once, so that
 * every verifier (access tokens, DPoP proofs, JWT-SVIDs, attestation tokens, SETs) turns the
 * same failure into its own refusal with a `switch`.
 * - `bad_signature`: the signature does not verify with the key;
 * - `expired`: a time claim has passed (`exp`, or `iat` past `maxTokenAge`; see `claim`);
 * - `claim`: a claim check failed (`claim` names it; `reason` is jose's `missing` / `invalid` / `check_failed`);
 * - `alg_not_allowed`: the header `alg` is not on the verifier's list;
 * - `unknown_kid` / `ambiguous_kid`: no key, or more than one, in the key set matches;
 * - `jwks_timeout` / `jwks_invalid`: a remote key set timed out or is not a key set;
 * - `not_supported`: jose cannot use this algorithm or key;
 * - `malformed`: not a well-formed JWS / JWT;
 * - `jose`: any other jose error;
 * - `other`: not a jose error (WebCrypto refusing a key, a network error, a hook's own error).
 *
 * @example
 * const f = joseFailure(err);
 * if (f.kind === 'claim' && f.claim === 'aud') return wrongAudience();
 */
export type JoseFailure =
  | { kind: 'expired'; claim: string }
  | { kind: 'claim'; claim: string; reason: string }
  | {
      kind:
        | 'bad_signature'
        | 'alg_not_allowed'
        | 'unknown_kid'
        | 'ambiguous_kid'
        | 'jwks_timeout'
        | 'jwks_invalid'
        | 'not_supported'
        | 'malformed'
        | 'jose'
        | 'other';
    };

export function joseFailure(err: unknown): JoseFailure {
  if (err instanceof errors.JWTExpired) return { kind: 'expired', claim: err.claim };
  if (err instanceof errors.JWTClaimValidationFailed)
    return { kind: 'claim', claim: err.claim, reason: err.reason };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { kind: 'bad_signature' };
  if (err instanceof errors.JOSEAlgNotAllowed) return { kind: 'alg_not_allowed' };
  if (err instanceof errors.JWKSNoMatchingKey) return { kind: 'unknown_kid' };
  if (err instanceof errors.JWKSMultipleMatchingKeys) return { kind: 'ambiguous_kid' };
  if (err instanceof errors.JWKSTimeout) return { kind: 'jwks_timeout' };
  if (err instanceof errors.JWKSInvalid || err instanceof errors.JWKInvalid)
    return { kind: 'jwks_invalid' };
  if (err instanceof errors.JOSENotSupported) return { kind: 'not_supported' };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid)
    return { kind: 'malformed' };
  if (err instanceof errors.JOSEError) return { kind: 'jose' };
  return { kind: 'other' };
}
