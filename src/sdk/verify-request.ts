import type { DpopNonceSource } from './dpop-nonce.js';
import { DpopReplayCache, type DpopReplayStore } from './dpop-replay-cache.js';
import { DPOP_ALGORITHMS, DpopProofError, normalizeHtu, verifyDpopProof } from './dpop-verify.js';
import {
  challenge,
  RequestVerificationError,
  type ChallengeOptions,
  type RequestVerificationCode,
} from './request-verification-error.js';
import { TokenVerificationError, type Principal, type TokenVerifier } from './token-verifier.js';

export {
  RequestVerificationError,
  type RequestVerificationCode,
} from './request-verification-error.js';

/**
 * The parts of an HTTP request that `verifyRequest` reads.
 *
 * @example
 * const request: HttpRequestLike = { method: req.method, url: `https://tools.example.org${req.url}`, headers: req.headersDistinct };
 */
export interface HttpRequestLike {
  method: string;
  /** The absolute URL the client addressed (the DPoP `htu` is checked against it), e.g. `https://tools.example.org/mcp?x=1`. */
  url: string;
  /** A fetch `Headers`, or a record such as Node's `req.headers` / `req.headersDistinct` (names in any case). */
  headers: Headers | Record<string, string | readonly string[] | undefined>;
}

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
export interface MandateRequestContext {
  principal: Principal;
  /**
   * The delegation chain, current actor first, ending with the task's root agent (the subject,
   * unless the task acts on behalf of a human, who is `principal.onBehalfOf`).
   */
  chain: string[];
  scheme: 'Bearer' | 'DPoP';
  /** The RFC 7638 thumbprint of the proof key for a DPoP request, else null. */
  dpopJkt: string | null;
}

/** Options resolved and checked once (middleware does it when it is built). */
export interface ResolvedVerifyOptions {
  requiredScopes: readonly string[];
  requireDpop: boolean;
  dpopAlgorithms: readonly string[];
  replayCache: DpopReplayStore;
  nonce: DpopNonceSource | undefined;
  proofMaxAgeSeconds: number;
  clockSkewSeconds: number;
  challenge: ChallengeOptions;
  now: () => number;
}

const defaultCaches = new WeakMap<TokenVerifier, DpopReplayCache>();
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const AUTHORIZATION = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/;

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
  let replayCache = options.replayCache ?? defaultCaches.get(verifier);
  if (replayCache === undefined) {
    const cache = new DpopReplayCache({ ...(options.now ? { now: options.now } : {}) });
    defaultCaches.set(verifier, cache);
    replayCache = cache;
  }
  const requireDpop = options.requireDpop === true;
  return {
    requiredScopes: [...scopes],
    requireDpop,
    dpopAlgorithms: [...new Set(algorithms)],
    replayCache,
    nonce: options.nonce,
    proofMaxAgeSeconds: maxAge,
    clockSkewSeconds: skew,
    challenge: {
      realm: options.realm,
      resourceMetadata: options.resourceMetadata,
      dpopAlgorithms: [...new Set(algorithms)],
      requireDpop,
    },
    now: options.now ?? Date.now,
  };
}

/**
 * Verifies a request to a protected resource that carries a Mandate task token: exactly one
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) or `Authorization: DPoP <token>` (RFC 9449
 * §7.1) header; the token through `verifier` (signature, audience, expiry, revocation); for a
 * DPoP-bound token (`cnf.jkt`), the DPoP scheme and a proof that passes RFC 9449 §4.3 (`typ`,
 * algorithm, public `jwk`, signature, `htm`, `htu`, `iat` window, `ath`, key thumbprint, nonce
 * when demanded, `jti` not replayed); then `requiredScopes`. A bound token sent as Bearer, or an
 * unbound one sent as DPoP, is refused. Throws `RequestVerificationError` with the status and the
 * `WWW-Authenticate` value to answer; other errors (a revocation hook failing, a full replay
 * cache) propagate, so the request fails closed.
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
  const opts = 'challenge' in options ? options : resolveVerifyOptions(verifier, options);
  const refuse = (
    code: RequestVerificationCode,
    message: string,
    scheme: 'Bearer' | 'DPoP',
    extra: { scope?: string; nonce?: string; cause?: unknown } = {},
  ): RequestVerificationError =>
    new RequestVerificationError(
      code,
      message,
      challenge(opts.challenge, {
        scheme,
        code,
        description: message,
        ...(extra.scope ? { scope: extra.scope } : {}),
      }),
      extra.nonce,
      extra.cause === undefined ? undefined : { cause: extra.cause },
    );

  const { scheme, token } = readAuthorization(request.headers, refuse);
  if (opts.requireDpop && scheme === 'Bearer')
    throw refuse(
      'invalid_token',
      'this resource accepts only dpop-bound tokens: send `Authorization: DPoP` with a proof',
      scheme,
    );
  let principal: Principal;
  try {
    principal = await verifier.verify(token);
  } catch (err) {
    if (err instanceof TokenVerificationError)
      throw refuse('invalid_token', err.message, scheme, { cause: err });
    throw err;
  }

  let dpopJkt: string | null = null;
  if (principal.cnfJkt === null) {
    if (opts.requireDpop)
      throw refuse('invalid_token', 'this resource accepts only dpop-bound tokens', scheme);
    if (scheme === 'DPoP')
      throw refuse(
        'invalid_token',
        'the token is not dpop-bound: send it with `Authorization: Bearer`',
        scheme,
      );
  } else {
    // RFC 9449 §7.2: a resource that knows DPoP never accepts a bound token as a bearer token.
    if (scheme === 'Bearer')
      throw refuse(
        'invalid_token',
        'the token is dpop-bound: send it with `Authorization: DPoP` and a proof',
        scheme,
      );
    const url = normalizeHtu(request.url);
    if (url === undefined)
      throw new TypeError('verifyRequest needs the absolute http(s) url of the request');
    try {
      ({ jkt: dpopJkt } = await verifyDpopProof({
        proof: headerValues(request.headers, 'dpop'),
        method: request.method.toUpperCase(),
        url,
        accessToken: token,
        expectedJkt: principal.cnfJkt,
        algorithms: opts.dpopAlgorithms,
        now: opts.now(),
        maxAgeSeconds: opts.proofMaxAgeSeconds,
        clockSkewSeconds: opts.clockSkewSeconds,
        replay: opts.replayCache,
        ...(opts.nonce ? { nonce: opts.nonce } : {}),
      }));
    } catch (err) {
      if (err instanceof DpopProofError)
        throw refuse(
          err.code,
          err.message,
          'DPoP',
          err.nonce === undefined ? {} : { nonce: err.nonce },
        );
      throw err;
    }
  }

  const missing = opts.requiredScopes.filter((s) => !principal.scopes.includes(s));
  if (missing.length > 0) {
    throw refuse(
      'insufficient_scope',
      `the token lacks the scope ${missing.map((s) => `\`${s}\``).join(', ')}`,
      scheme,
      { scope: opts.requiredScopes.join(' ') },
    );
  }
  return { principal, chain: chainOf(principal), scheme, dpopJkt };
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
  const opts = 'challenge' in options ? options : resolveVerifyOptions(verifier, options);
  return challenge(opts.challenge);
}

type Refuse = (
  code: RequestVerificationCode,
  message: string,
  scheme: 'Bearer' | 'DPoP',
) => RequestVerificationError;

/** RFC 7235 §2.1 credentials: one header, `<scheme> <token68>`; schemes compare case-insensitively. */
function readAuthorization(
  headers: HttpRequestLike['headers'],
  refuse: Refuse,
): { scheme: 'Bearer' | 'DPoP'; token: string } {
  const values = headerValues(headers, 'authorization');
  if (values.length === 0)
    throw refuse(
      'missing_token',
      'no access token was sent: use `Authorization: Bearer <token>` or `Authorization: DPoP <token>`',
      'Bearer',
    );
  if (values.length > 1)
    throw refuse('invalid_request', 'more than one authorization header', 'Bearer');
  const m = AUTHORIZATION.exec(values[0]!.trim());
  const name = m?.[1]?.toLowerCase();
  if (name !== 'bearer' && name !== 'dpop')
    throw refuse('missing_token', 'the authorization scheme is neither bearer nor dpop', 'Bearer');
  const scheme = name === 'dpop' ? 'DPoP' : 'Bearer';
  const token = m?.[2]?.trim() ?? '';
  if (token.includes(','))
    throw refuse('invalid_request', 'more than one authorization header', scheme);
  if (!TOKEN68.test(token))
    throw refuse(
      'invalid_request',
      `the authorization header is not \`${scheme} <token>\``,
      scheme,
    );
  return { scheme, token };
}

/** Every value of a header, by case-insensitive name; a fetch `Headers` already joined repeats with ", ". */
function headerValues(headers: HttpRequestLike['headers'], name: string): string[] {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    const value = headers.get(name);
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(
    headers as Record<string, string | readonly string[] | undefined>,
  )) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value.filter((v): v is string => typeof v === 'string'));
  }
  return values;
}

/** Current actor first, then earlier actors, then the root agent (the subject, unless it is a human). */
function chainOf(p: Principal): string[] {
  const chain = [...p.actors];
  if (p.onBehalfOf === null && !chain.includes(p.subject)) chain.push(p.subject);
  return chain;
}
