import type { JWTVerifyGetKey } from 'jose';
import {
  checkAlgorithms,
  verifyAccessToken,
  type AccessTokenExpectations,
} from './access-token.js';
import { TokenVerificationError } from './errors.js';
import { DEFAULT_ACCESS_TOKEN_ALGORITHMS } from './jws-algorithms.js';
import { keyResolver } from './key-resolver.js';
import { principalOf, type Principal } from './principal.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/**
 * Says whether a verified token may still be used: a reason string when it is revoked (the
 * token, any ancestor, its task, its grant...), null otherwise. Called on every `verify`,
 * cached tokens included. An error it throws propagates unchanged, and any answer other than
 * a string or null throws a TypeError: the call fails closed, as a server error rather than
 * `invalid_token`.
 */
export interface RevocationCheck {
  (p: Principal): string | null | Promise<string | null>;
}

export interface TokenVerifierOptions {
  /** Expected `iss`, compared byte for byte. */
  issuer: string;
  /** This resource server's identifier(s); the token's `aud` must contain one of them. */
  audience: string | string[];
  /** The issuer's JWKS URL (fetched with jose `createRemoteJWKSet`, refetched on an unknown `kid` at most once per cooldown). Give this or `keys`. */
  jwksUri?: string;
  /** A key resolver, e.g. jose `createLocalJWKSet(jwks)`. Give this or `jwksUri`. */
  keys?: JWTVerifyGetKey;
  /** Default `['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA']`. Asymmetric only: `none` or HS* throws here. */
  algorithms?: string[];
  /** Allowed clock skew for `exp`, `nbf` and `iat`. Default 30, at most 300. */
  clockToleranceSeconds?: number;
  /** Verified tokens kept (until their `exp`). Default 10000; 0 turns the cache off. */
  maxCacheEntries?: number;
  /** Minimum seconds between JWKS refetches caused by an unknown `kid`. Default 30. Wall clock (jose), not `now`. */
  jwksCooldownSeconds?: number;
  revocation?: RevocationCheck;
  /** Epoch milliseconds; for tests. Default `Date.now`. */
  now?: () => number;
  /** Used for JWKS requests. Default the global `fetch`. */
  fetch?: typeof fetch;
}

/** Freezes the principal handed out from the cache, so one caller cannot change what the next one sees. */
function deepFreeze<T extends object>(root: T): T {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Object.isFrozen(node)) continue;
    Object.freeze(node);
    for (const value of Object.values(node))
      if (typeof value === 'object' && value !== null) stack.push(value);
  }
  return root;
}

/**
 * Verifies Mandate task tokens (RFC 9068 JWT access tokens) for a resource server, gateway or
 * tool server: RFC 9068 validation (./access-token.ts), Mandate's claims and the delegation
 * chain's consistency (./principal.ts), then the revocation hook. A verified token is cached
 * until its `exp`; a cache hit still checks expiry and revocation. Every Mandate enforcement
 * point runs this class, the SDK's users too.
 *
 * @example
 * const verifier = new TokenVerifier({
 *   issuer: 'https://mandate.example.org',
 *   audience: 'https://gateway.example.org',
 *   jwksUri: 'https://mandate.example.org/.well-known/jwks.json',
 *   revocation: (p) => (revoked.has(p.jti) || p.ancestors.some((a) => revoked.has(a)) ? 'revoked' : null),
 * });
 * const principal = await verifier.verify(bearerToken); // throws TokenVerificationError
 * if (!principal.scopes.includes('tickets:read')) deny();
 */
export class TokenVerifier {
  private readonly expect: AccessTokenExpectations;
  private readonly getKey: JWTVerifyGetKey;
  private readonly cache: VerifiedTokenCache<Principal>;
  private readonly revocation: RevocationCheck | undefined;
  private readonly now: () => number;

  constructor(opts: TokenVerifierOptions) {
    if (typeof opts.issuer !== 'string' || opts.issuer.length === 0)
      throw new TypeError('issuer must be a non-empty string');
    const audiences = typeof opts.audience === 'string' ? [opts.audience] : opts.audience;
    if (
      !Array.isArray(audiences) ||
      audiences.length === 0 ||
      !audiences.every((a) => typeof a === 'string' && a.length > 0)
    ) {
      throw new TypeError('audience must be a non-empty string or a non-empty list of them');
    }
    const tolerance = opts.clockToleranceSeconds ?? 30;
    if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300)
      throw new TypeError('clockToleranceSeconds must be from 0 to 300');
    const maxEntries = opts.maxCacheEntries ?? 10_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0)
      throw new TypeError('maxCacheEntries must be an integer of at least 0');
    const cooldown = opts.jwksCooldownSeconds ?? 30;
    if (!Number.isFinite(cooldown) || cooldown < 0)
      throw new TypeError('jwksCooldownSeconds must be at least 0');
    this.expect = {
      issuer: opts.issuer,
      audiences: [...audiences],
      algorithms: checkAlgorithms(opts.algorithms ?? DEFAULT_ACCESS_TOKEN_ALGORITHMS),
      toleranceSeconds: tolerance,
    };
    this.getKey = keyResolver({
      jwksUri: opts.jwksUri,
      keys: opts.keys,
      cooldownSeconds: cooldown,
      fetch: opts.fetch,
    });
    this.cache = new VerifiedTokenCache(maxEntries);
    this.revocation = opts.revocation;
    this.now = opts.now ?? Date.now;
  }

  /** Verifies a task token; throws `TokenVerificationError` (never with the token in its message). */
  async verify(token: string): Promise<Principal> {
    if (typeof token !== 'string')
      throw new TokenVerificationError('malformed', 'the token is not a string');
    const nowSeconds = this.now() / 1000;
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      if (cached.expiresAt <= nowSeconds - this.expect.toleranceSeconds) {
        this.cache.delete(token);
        throw new TokenVerificationError('expired', 'the token has expired');
      }
      await this.checkRevocation(cached);
      return cached;
    }
    const verified = await verifyAccessToken(token, this.getKey, this.expect, nowSeconds);
    const principal = deepFreeze(principalOf(verified, token));
    await this.checkRevocation(principal);
    this.cache.set(
      token,
      principal,
      principal.expiresAt + this.expect.toleranceSeconds,
      nowSeconds,
    );
    return principal;
  }

  private async checkRevocation(principal: Principal): Promise<void> {
    if (this.revocation === undefined) return;
    const answer = this.revocation(principal);
    // Awaited unless plainly synchronous, so any thenable counts; anything unexpected fails closed.
    const reason: unknown = typeof answer === 'string' || answer === null ? answer : await answer;
    if (typeof reason === 'string')
      throw new TokenVerificationError('revoked', `the token is revoked: ${reason}`);
    if (reason !== null && reason !== undefined)
      throw new TypeError('the revocation check must return a reason string or null');
  }
}
