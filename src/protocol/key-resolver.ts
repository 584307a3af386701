import {
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JWTVerifyGetKey,
} from 'jose';
import { TokenVerificationError } from './errors.js';
import { joseFailure } from './jose-errors.js';
import { quote } from './quote.js';
import { unknownKey } from './access-token.js';

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
      const { kind } = joseFailure(err);
      if (kind === 'unknown_kid' || kind === 'ambiguous_kid') throw unknownKey(header);
      throw new TokenVerificationError('jwks_unavailable', 'the signing keys could not be loaded', {
        cause: err,
      });
    }
  };
}
