/**
 * Translation of jose's errors into attestation failures. Two places fail differently: resolving
 * the issuer's key (`keyLookupFailure`) and verifying the token with it (`verifyFailure`).
 */
import { MandateError } from '../../core/errors.js';
import { joseFailure } from '../../protocol/jose-errors.js';
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
  if (err instanceof MandateError) return err;
  const failure = joseFailure(err);
  const issuer = quoted(ctx.issuer);
  switch (failure.kind) {
    case 'ambiguous_kid':
      return err;
    case 'unknown_kid': {
      const kid = ctx.kid === undefined ? 'no kid' : `kid ${quoted(ctx.kid)}`;
      return attestationFailed(
        'unknown_kid',
        `no key in the jwks of issuer ${issuer} matches ${kid} and alg ${quoted(ctx.alg)}`,
      );
    }
    case 'jwks_timeout':
      return attestationFailed(
        'jwks_unavailable',
        `fetching the jwks of issuer ${issuer} timed out`,
        err,
      );
    case 'jwks_invalid':
    case 'not_supported':
      return attestationFailed('jwks_unavailable', `the jwks of issuer ${issuer} is invalid`, err);
    default:
      // Network errors (TypeError from fetch), non-200 answers and unparsable bodies.
      return attestationFailed(
        'jwks_unavailable',
        `could not fetch the jwks of issuer ${issuer}`,
        err,
      );
  }
}

function claimFailure(claim: string, reason: string, ctx: FailureContext): MandateError {
  if (reason === 'missing') {
    if (claim === 'aud') return attestationFailed('wrong_audience', 'token has no `aud` claim');
    if (claim === 'iss') return attestationFailed('wrong_issuer', 'token has no `iss` claim');
    return attestationFailed('missing_claim', `token has no ${quoted(claim)} claim`);
  }
  if (reason === 'invalid') {
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
  const failure = joseFailure(err);
  switch (failure.kind) {
    case 'bad_signature':
      return attestationFailed(
        'bad_signature',
        `signature does not verify with the keys of issuer ${quoted(ctx.issuer)}`,
      );
    case 'expired':
      return failure.claim === 'iat'
        ? attestationFailed(
            'token_too_old',
            `token was issued more than ${ctx.maxTokenAgeSeconds} seconds ago`,
          )
        : attestationFailed('expired', 'token has expired');
    case 'claim':
      return claimFailure(failure.claim, failure.reason, ctx);
    case 'alg_not_allowed':
      return attestationFailed('alg_not_allowed', `algorithm ${quoted(ctx.alg)} is not accepted`);
    case 'malformed':
      return attestationFailed('malformed', 'token is not a well-formed signed jwt', err);
    default:
      // e.g. an RSA key shorter than 2048 bits, or a key jose cannot use for this algorithm.
      return attestationFailed(
        'bad_signature',
        `signature could not be verified with the keys of issuer ${quoted(ctx.issuer)}`,
        err,
      );
  }
}
