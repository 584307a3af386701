/**
 * Translation of jose's errors into attestation failures. Two places fail differently: resolving
 * the issuer's key (`keyLookupFailure`) and verifying the token with it (`verifyFailure`).
 */
import { errors } from 'jose';
import { MandateError } from '../../core/errors.js';
import { attestationFailed, quoted } from './attestation-error.js';

export interface FailureContext {
  issuer: string;
  audience: string;
  alg: string;
  kid: string | undefined;
  maxTokenAgeSeconds: number | undefined;
}

/** Errors thrown by a jose key set while finding the key for a token. */
export function keyLookupFailure(err: unknown, ctx: FailureContext): unknown {
  if (err instanceof MandateError || err instanceof errors.JWKSMultipleMatchingKeys) return err;
  const issuer = quoted(ctx.issuer);
  if (err instanceof errors.JWKSNoMatchingKey) {
    const kid = ctx.kid === undefined ? 'no kid' : `kid ${quoted(ctx.kid)}`;
    return attestationFailed(
      'unknown_kid',
      `no key in the jwks of issuer ${issuer} matches ${kid} and alg ${quoted(ctx.alg)}`,
    );
  }
  if (err instanceof errors.JWKSTimeout) {
    return attestationFailed(
      'jwks_unavailable',
      `fetching the jwks of issuer ${issuer} timed out`,
      err,
    );
  }
  if (
    err instanceof errors.JWKSInvalid ||
    err instanceof errors.JWKInvalid ||
    err instanceof errors.JOSENotSupported
  ) {
    return attestationFailed('jwks_unavailable', `the jwks of issuer ${issuer} is invalid`, err);
  }
  // Network errors (TypeError from fetch), non-200 answers and unparsable bodies.
  return attestationFailed('jwks_unavailable', `could not fetch the jwks of issuer ${issuer}`, err);
}

function claimFailure(err: errors.JWTClaimValidationFailed, ctx: FailureContext): MandateError {
  const claim = err.claim;
  if (err.reason === 'missing') {
    if (claim === 'aud') return attestationFailed('wrong_audience', 'token has no `aud` claim');
    if (claim === 'iss') return attestationFailed('wrong_issuer', 'token has no `iss` claim');
    return attestationFailed('missing_claim', `token has no ${quoted(claim)} claim`);
  }
  if (err.reason === 'invalid') {
    return attestationFailed('malformed', `token claim ${quoted(claim)} must be a number`);
  }
  switch (claim) {
    case 'nbf':
      return attestationFailed('not_yet_valid', 'token is not valid yet (`nbf` is in the future)');
    case 'iat':
      return attestationFailed('not_yet_valid', 'token was issued in the future (`iat`)');
    case 'aud':
      return attestationFailed(
        'wrong_audience',
        `token audience does not include ${quoted(ctx.audience)}`,
      );
    case 'iss':
      return attestationFailed(
        'wrong_issuer',
        `token \`iss\` is not the trusted issuer ${quoted(ctx.issuer)}`,
      );
    default:
      return attestationFailed('malformed', `token claim ${quoted(claim)} failed validation`);
  }
}

/** Errors thrown by `jwtVerify` once a key was found. */
export function verifyFailure(err: unknown, ctx: FailureContext): MandateError {
  if (err instanceof MandateError) return err;
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return attestationFailed(
      'bad_signature',
      `signature does not verify with the keys of issuer ${quoted(ctx.issuer)}`,
    );
  }
  if (err instanceof errors.JWTExpired) {
    if (err.claim === 'iat') {
      return attestationFailed(
        'token_too_old',
        `token was issued more than ${ctx.maxTokenAgeSeconds} seconds ago`,
      );
    }
    return attestationFailed('expired', 'token has expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) return claimFailure(err, ctx);
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return attestationFailed('alg_not_allowed', `algorithm ${quoted(ctx.alg)} is not accepted`);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return attestationFailed('malformed', 'token is not a well-formed signed jwt', err);
  }
  // e.g. an RSA key shorter than 2048 bits, or a key jose cannot use for this algorithm.
  return attestationFailed(
    'bad_signature',
    `signature could not be verified with the keys of issuer ${quoted(ctx.issuer)}`,
    err,
  );
}
