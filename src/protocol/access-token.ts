import {
  compactVerify,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import { TokenVerificationError } from './errors.js';
import { joseFailure } from './jose-errors.js';
import { ACCESS_TOKEN_ALGORITHMS } from './jws-algorithms.js';
import { quote } from './quote.js';

/** What a verifier expects of every access token; fixed when the verifier is built. */
export interface AccessTokenExpectations {
  /** Expected `iss`, compared byte for byte. */
  issuer: string;
  /**
   * The resource's identifiers: `aud` must contain one of them. `null` only for the issuer
   * reading its own tokens (introspection, revocation, token exchange), which is not their audience.
   */
  audiences: readonly string[] | null;
  /** Asymmetric algorithms accepted (checkAlgorithms). */
  algorithms: readonly string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`, seconds. */
  toleranceSeconds: number;
}

/** A signature-verified RFC 9068 access token whose registered claims passed. */
export interface VerifiedAccessToken {
  header: ProtectedHeaderParameters;
  /** Every claim as signed. */
  claims: JWTPayload;
  /** `aud` as a list. */
  audience: string[];
  /** Epoch seconds. */
  exp: number;
  /** Epoch seconds. */
  iat: number;
}

const AT_JWT = new Set(['at+jwt', 'application/at+jwt']);
const MAX_TOKEN_LENGTH = 16_384;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const malformed = (message: string, cause?: unknown): TokenVerificationError =>
  new TokenVerificationError('malformed', message, cause === undefined ? undefined : { cause });
const missing = (message: string): TokenVerificationError =>
  new TokenVerificationError('missing_claim', message);

/**
 * Checks an algorithm allowlist when a verifier is built; throws a TypeError naming the first bad entry.
 *
 * @example checkAlgorithms(['ES256', 'EdDSA']) // ['ES256', 'EdDSA']; checkAlgorithms(['HS256']) throws
 */
export function checkAlgorithms(algorithms: readonly string[]): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    throw new TypeError('algorithms must be a non-empty list');
  for (const alg of algorithms) {
    if (typeof alg !== 'string' || !ACCESS_TOKEN_ALGORITHMS.includes(alg)) {
      throw new TypeError(
        `algorithm ${quote(alg)} is not allowed: only asymmetric signature algorithms (${ACCESS_TOKEN_ALGORITHMS.join(', ')}), never none or HMAC`,
      );
    }
  }
  return [...new Set(algorithms)];
}

/**
 * RFC 9068 §4 validation of a JWT access token: header `typ` and the algorithm allowlist before
 * any key lookup, the signature with a key from `getKey`, then `iss`, `aud`, `exp`, `nbf` and
 * `iat` with bounded skew. Throws `TokenVerificationError`; never puts the token in a message.
 *
 * @example
 * const { claims } = await verifyAccessToken(token, getKey, { issuer, audiences: [resource], algorithms: ['ES256'], toleranceSeconds: 5 }, Date.now() / 1000);
 */
export async function verifyAccessToken(
  token: string,
  getKey: JWTVerifyGetKey,
  expect: AccessTokenExpectations,
  nowSeconds: number,
): Promise<VerifiedAccessToken> {
  if (typeof token !== 'string') throw malformed('the token is not a string');
  if (token.length > MAX_TOKEN_LENGTH)
    throw malformed(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
  const header = checkHeader(token, expect.algorithms);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(token, getKey, { algorithms: [...expect.algorithms] }));
  } catch (err) {
    throw signatureFailure(err, header);
  }
  let claims: unknown;
  try {
    claims = JSON.parse(utf8.decode(payload));
  } catch (err) {
    throw malformed('the token payload is not JSON', err);
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw malformed('the token payload is not a JSON object');
  const verified = claims as JWTPayload;
  return { header, claims: verified, ...checkRegistered(verified, expect, nowSeconds) };
}

/** Header checks that need no key, so junk and downgrade attempts never reach a key lookup. */
function checkHeader(token: string, algorithms: readonly string[]): ProtectedHeaderParameters {
  if (token.split('.').length !== 3)
    throw malformed('the token is not a compact JWS of three parts');
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw malformed('the token header is not base64url JSON', err);
  }
  if (typeof header.alg !== 'string') throw malformed('the token header has no `alg`');
  // RFC 8725 §3.1: the allowlist is checked before any key is chosen, so `none` and HS256 keyed with a public key never get that far.
  if (!algorithms.includes(header.alg))
    throw new TokenVerificationError(
      'alg_not_allowed',
      `algorithm ${quote(header.alg)} is not allowed`,
    );
  // RFC 9068 §4: `typ` must be at+jwt, which is what keeps a JWT-SVID or an ID token from passing as an access token.
  if (typeof header.typ !== 'string' || !AT_JWT.has(header.typ.toLowerCase())) {
    throw new TokenVerificationError(
      'wrong_type',
      `the token type ${quote(header.typ ?? '')} is not at+jwt`,
    );
  }
  // RFC 7797 unencoded payloads are not JWTs (RFC 7519 §7.2).
  if (header.b64 !== undefined) throw malformed('the token header has `b64`');
  return header;
}

/** A jose failure during signature verification, as a reason. */
function signatureFailure(err: unknown, header: ProtectedHeaderParameters): TokenVerificationError {
  if (err instanceof TokenVerificationError) return err;
  switch (joseFailure(err).kind) {
    case 'unknown_kid':
    case 'ambiguous_kid':
      return unknownKey(header);
    case 'bad_signature':
      return new TokenVerificationError('bad_signature', 'the token signature is invalid');
    case 'alg_not_allowed':
      return new TokenVerificationError('alg_not_allowed', 'the token algorithm is not allowed');
    case 'malformed':
    case 'not_supported':
      return malformed('the token is not a valid compact JWS', err);
    default:
      return new TokenVerificationError(
        'bad_signature',
        'the token signature could not be verified',
        { cause: err },
      );
  }
}

/** No key of the issuer's matches the header (RFC 7515 §4.1.4 `kid`). */
export function unknownKey(header: ProtectedHeaderParameters): TokenVerificationError {
  return new TokenVerificationError(
    'unknown_kid',
    `the token is signed with an unknown key: none matches \`kid\` ${quote(header.kid ?? '')} and \`alg\` ${quote(header.alg)}`,
  );
}

/** Reads a non-empty string claim; throws `missing_claim` naming it. */
export function requireString(claims: JWTPayload, name: string): string {
  const value = claims[name];
  if (typeof value !== 'string' || value.length === 0)
    throw missing(`the token has no \`${name}\` string`);
  return value;
}

/** Reads a numeric claim; throws `missing_claim` naming it. */
export function requireNumber(claims: JWTPayload, name: string): number {
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw missing(`the token has no numeric \`${name}\``);
  return value;
}

/** RFC 9068 §4: `iss` exact, `aud` contains an expected value, `exp`/`nbf`/`iat` with bounded skew. */
function checkRegistered(
  claims: JWTPayload,
  expect: AccessTokenExpectations,
  nowSeconds: number,
): { audience: string[]; exp: number; iat: number } {
  const iss = requireString(claims, 'iss');
  if (iss !== expect.issuer)
    throw new TokenVerificationError(
      'wrong_issuer',
      `the token's issuer ${quote(iss)} is not the expected issuer`,
    );
  const aud = claims.aud;
  const audience = typeof aud === 'string' ? [aud] : aud;
  if (
    !Array.isArray(audience) ||
    audience.length === 0 ||
    !audience.every((a) => typeof a === 'string')
  ) {
    throw missing('the token has no `aud` string or array of strings');
  }
  if (expect.audiences !== null && !audience.some((a) => expect.audiences!.includes(a)))
    throw new TokenVerificationError('wrong_audience', 'the token is not meant for this audience');
  const exp = requireNumber(claims, 'exp');
  if (exp <= nowSeconds - expect.toleranceSeconds)
    throw new TokenVerificationError('expired', 'the token has expired');
  const iat = requireNumber(claims, 'iat');
  if (iat > nowSeconds + expect.toleranceSeconds)
    throw new TokenVerificationError('not_yet_valid', 'the token was issued in the future');
  if (claims.nbf !== undefined) {
    const nbf = requireNumber(claims, 'nbf');
    if (nbf > nowSeconds + expect.toleranceSeconds)
      throw new TokenVerificationError('not_yet_valid', 'the token is not valid yet');
  }
  return { audience: [...audience], exp, iat };
}
