import {
  RequestAuthenticator,
  type Authenticated,
  type AuthenticationRequest,
} from '../protocol/authenticate.js';
import type { DpopNonceSource } from '../protocol/dpop/nonce.js';
import { DpopReplayCache, type DpopReplayStore } from '../protocol/dpop/replay-cache.js';
import { DpopVerifier } from '../protocol/dpop/verifier.js';
import { DPOP_ALGORITHMS } from '../protocol/jws-algorithms.js';
import type { TokenVerifier } from '../protocol/token-verifier.js';

export { RequestVerificationError, type RequestVerificationCode } from '../protocol/errors.js';

/**
 * The parts of an HTTP request that `verifyRequest` reads.
 *
 * @example
 * const request: HttpRequestLike = { method: req.method, url: `https://tools.example.org${req.url}`, headers: req.headersDistinct };
 */
export type HttpRequestLike = AuthenticationRequest;

/**
 * How `verifyRequest` checks a request; every field is optional.
 *
 * @example
 * const options: VerifyRequestOptions = { requiredScopes: ['tool:tickets/read'], requireDpop: true, nonce: new RotatingDpopNonces() };
 */
export interface VerifyRequestOptions {
  /** Scopes the token must all carry; otherwise 403 `insufficient_scope`. */
  requiredScopes?: readonly string[];
  /** Accept only DPoP-bound tokens (RFC 9449 §7.1); Bearer is then refused. Default false. */
  requireDpop?: boolean;
  /** Accepted DPoP proof algorithms, a subset of `DPOP_ALGORITHMS` (the default). */
  dpopAlgorithms?: readonly string[];
  /** Where proof `jti`s are remembered. Default: one in-memory `DpopReplayCache` per `TokenVerifier`. */
  replayCache?: DpopReplayStore;
  /** Demand a server nonce in every proof (RFC 9449 §9). */
  nonce?: DpopNonceSource;
  /** How old a proof's `iat` may be. Default 60. */
  proofMaxAgeSeconds?: number;
  /** How far in the future a proof's `iat` may be. Default 5. */
  clockSkewSeconds?: number;
  /** RFC 6750 §3 `realm` in the challenges. */
  realm?: string;
  /** RFC 9728 §5.1: this resource's protected resource metadata URL, sent as `resource_metadata` in the challenges. */
  resourceMetadata?: string;
  /** Epoch milliseconds; for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * A verified request: who is calling, through which chain, and how.
 *
 * @example
 * const { principal, chain } = req.mandate!; // chain: ['spiffe://td/agent/helper', 'spiffe://td/agent/planner']
 */
export type MandateRequestContext = Authenticated;

/** Options resolved and checked once (middleware does it when it is built): the authenticator they make. */
export interface ResolvedVerifyOptions {
  authenticator: RequestAuthenticator;
  /** Where proof `jti`s are remembered: the one given, or the verifier's default cache. */
  replayCache: DpopReplayStore;
}

const defaultCaches = new WeakMap<TokenVerifier, DpopReplayCache>();

/**
 * Checks `VerifyRequestOptions` for `verifier` once (the middleware does it when built); throws a
 * TypeError naming the bad option.
 *
 * @example
 * const resolved = resolveVerifyOptions(verifier, { requireDpop: true });
 * await verifyRequest(request, verifier, resolved);
 */
export function resolveVerifyOptions(
  verifier: TokenVerifier,
  options: VerifyRequestOptions = {},
): ResolvedVerifyOptions {
  const algorithms = options.dpopAlgorithms ?? DPOP_ALGORITHMS;
  if (algorithms.length === 0 || !algorithms.every((a) => DPOP_ALGORITHMS.includes(a)))
    throw new TypeError(
      `dpopAlgorithms must be a non-empty subset of ${DPOP_ALGORITHMS.join(', ')}`,
    );
  const maxAge = options.proofMaxAgeSeconds ?? 60;
  if (!Number.isFinite(maxAge) || maxAge <= 0 || maxAge > 600)
    throw new TypeError('proofMaxAgeSeconds must be more than 0 and at most 600');
  const skew = options.clockSkewSeconds ?? 5;
  if (!Number.isFinite(skew) || skew < 0 || skew > 300)
    throw new TypeError('clockSkewSeconds must be from 0 to 300');
  const scopes = options.requiredScopes ?? [];
  if (!scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)))
    throw new TypeError('requiredScopes must be RFC 6749 scope tokens');
  let replay = options.replayCache ?? defaultCaches.get(verifier);
  if (replay === undefined) {
    const cache = new DpopReplayCache({ ...(options.now ? { now: options.now } : {}) });
    defaultCaches.set(verifier, cache);
    replay = cache;
  }
  const dpop = new DpopVerifier({
    replay,
    nonces: options.nonce,
    algorithms,
    maxAgeSeconds: maxAge,
    clockSkewSeconds: skew,
    now: options.now,
  });
  return {
    replayCache: replay,
    authenticator: new RequestAuthenticator({
      verifier,
      dpop,
      requireDpop: options.requireDpop === true,
      requireNonce: options.nonce !== undefined,
      requiredScopes: scopes,
      realm: options.realm,
      resourceMetadata: options.resourceMetadata,
    }),
  };
}

const resolved = (
  verifier: TokenVerifier,
  options: VerifyRequestOptions | ResolvedVerifyOptions,
): ResolvedVerifyOptions =>
  'authenticator' in options ? options : resolveVerifyOptions(verifier, options);

/**
 * Verifies a request to a protected resource that carries a Mandate task token: exactly one
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) or `Authorization: DPoP <token>` (RFC 9449
 * §7.1) header; the token through `verifier` (signature, audience, expiry, revocation); for a
 * DPoP-bound token (`cnf.jkt`), the DPoP scheme and a proof that passes RFC 9449 §4.3 (`typ`,
 * algorithm, public `jwk`, signature, `htm`, `htu`, `iat` window, `ath`, key thumbprint, nonce
 * when demanded, `jti` not replayed); then `requiredScopes`. A bound token sent as Bearer, or an
 * unbound one sent as DPoP, is refused. Throws `RequestVerificationError` with the status and the
 * `WWW-Authenticate` value to answer; other errors (a revocation hook failing, a full replay
 * cache) propagate, so the request fails closed. The same authenticator runs in Mandate's own
 * gateway and proxy, so a refusal reads the same there.
 *
 * @example
 * const verifier = new TokenVerifier({ issuer, audience: 'https://tools.example.org', jwksUri: `${issuer}/.well-known/jwks.json` });
 * const { principal, chain } = await verifyRequest(
 *   { method: 'POST', url: 'https://tools.example.org/mcp', headers: req.headers },
 *   verifier,
 *   { requiredScopes: ['tool:tickets/read'], resourceMetadata: 'https://tools.example.org/.well-known/oauth-protected-resource' },
 * );
 */
export async function verifyRequest(
  request: HttpRequestLike,
  verifier: TokenVerifier,
  options: VerifyRequestOptions | ResolvedVerifyOptions = {},
): Promise<MandateRequestContext> {
  const result = await resolved(verifier, options).authenticator.authenticate(request);
  if ('refusal' in result) throw result.refusal;
  return result;
}

/**
 * The `WWW-Authenticate` value for a request that sent no credentials at all (RFC 6750 §3.1):
 * the challenges without an error code. Handy for routes that check auth lazily.
 *
 * @example
 * res.writeHead(401, { 'www-authenticate': authenticateChallenge(verifier, { resourceMetadata }) }).end();
 */
export function authenticateChallenge(
  verifier: TokenVerifier,
  options: VerifyRequestOptions | ResolvedVerifyOptions = {},
): string {
  return resolved(verifier, options).authenticator.challenge();
}
