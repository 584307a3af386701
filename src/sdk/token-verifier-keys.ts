import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose';
import { quote, TokenVerificationError } from './token-verifier-error.js';

/** Asymmetric JWS algorithms a verifier may accept. HMAC and `none` are never on it (RFC 9068 §4, RFC 8725 §3.1). */
const ASYMMETRIC = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
]);

/** RS256 is on it because RFC 9068 §4 says resource servers MUST support it. */
export const DEFAULT_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'];

/** Checks an algorithm allowlist when a verifier is built; throws a TypeError naming the first bad entry. */
export function checkAlgorithms(algorithms: readonly string[]): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0)
    throw new TypeError('algorithms must be a non-empty list');
  for (const alg of algorithms) {
    if (typeof alg !== 'string' || !ASYMMETRIC.has(alg)) {
      throw new TypeError(
        `algorithm ${quote(alg)} is not allowed: only asymmetric signature algorithms (${[...ASYMMETRIC].join(', ')}), never none or HMAC`,
      );
    }
  }
  return [...new Set(algorithms)];
}

export interface KeySource {
  jwksUri?: string;
  keys?: JWTVerifyGetKey;
  /** Seconds after a fetch before an unknown `kid` may trigger another. */
  cooldownSeconds: number;
  fetch?: typeof fetch;
}

/**
 * Builds the key resolver. A remote JWKS is jose's `createRemoteJWKSet`: fetched on first use,
 * kept up to 10 minutes, and refetched on an unknown `kid` at most once per cooldown, so a
 * stream of tokens with made-up kids cannot turn the verifier into a JWKS request amplifier.
 * Failures come out as `unknown_kid` (no key matches) or `jwks_unavailable` (anything else).
 */
export function keyResolver(source: KeySource): JWTVerifyGetKey {
  if ((source.jwksUri === undefined) === (source.keys === undefined))
    throw new TypeError('give exactly one of jwksUri and keys');
  let resolve: JWTVerifyGetKey;
  if (source.jwksUri !== undefined) {
    let url: URL;
    try {
      url = new URL(source.jwksUri);
    } catch {
      throw new TypeError(`jwksUri ${quote(source.jwksUri)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new TypeError(`jwksUri ${quote(source.jwksUri)} must be an http(s) URL`);
    resolve = createRemoteJWKSet(url, {
      cooldownDuration: source.cooldownSeconds * 1000,
      ...(source.fetch ? { [customFetch]: source.fetch as FetchImplementation } : {}),
    });
  } else {
    if (typeof source.keys !== 'function')
      throw new TypeError(
        'keys must be a key-resolving function (for example jose createLocalJWKSet)',
      );
    resolve = source.keys;
  }
  return async (header, input) => {
    try {
      return await resolve(header, input);
    } catch (err) {
      if (
        err instanceof errors.JWKSNoMatchingKey ||
        err instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw new TokenVerificationError(
          'unknown_kid',
          `no signing key matches \`kid\` ${quote(header.kid ?? '')} and \`alg\` ${quote(header.alg)}`,
        );
      }
      throw new TokenVerificationError('jwks_unavailable', 'the signing keys could not be loaded', {
        cause: err,
      });
    }
  };
}
