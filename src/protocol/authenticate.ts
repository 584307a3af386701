import {
  readAuthorization,
  headerValues,
  type AuthorizationScheme,
  type HeaderSource,
} from './authorization-header.js';
import { challenge, type ChallengeError, type ChallengeOptions } from './challenge.js';
import { normalizeHtu } from './dpop/htu.js';
import type { DpopVerifier } from './dpop/verifier.js';
import {
  DpopProofError,
  RequestVerificationError,
  TokenVerificationError,
  type RequestVerificationCode,
} from './errors.js';
import { chainOf, type Principal } from './principal.js';

/**
 * The one authenticator of requests to a protected resource, run by every enforcement point:
 * the MCP gateway, the HTTP proxy, Mandate's own task-token routes and the SDK's `verifyRequest`.
 * Refusals are the same everywhere: the same codes, statuses, messages and `WWW-Authenticate`.
 */

/** The parts of an HTTP request the authenticator reads. */
export interface AuthenticationRequest {
  method: string;
  /** The absolute URL the client addressed (the DPoP `htu` is checked against it). */
  url: string;
  headers: HeaderSource;
  /**
   * RFC 6750 §3 `scope`: the scopes this request needs, sent in the challenge of any refusal
   * (MCP 2025-11-25: the 401 names them, so a client asks for no more). Quoted at the challenge.
   */
  scope?: string | undefined;
}

/** A verified request: who is calling, through which chain, and how. */
export interface Authenticated {
  principal: Principal;
  /**
   * The delegation chain, current actor first, ending with the task's root agent (the subject,
   * unless the task acts on behalf of a human, who is `principal.onBehalfOf`).
   */
  chain: string[];
  scheme: AuthorizationScheme;
  /** The RFC 7638 thumbprint of the proof key for a DPoP request, else null. */
  dpopJkt: string | null;
}

/** What `authenticate` answers: the caller, or the refusal to send (status, challenge, nonce, body). */
export type Authentication = Authenticated | { refusal: RequestVerificationError };

export interface AuthenticatorOptions {
  /** Verifies a task token for this resource (audience, revocation); throws `TokenVerificationError`. */
  verifier: { verify(token: string): Promise<Principal> };
  /** Checks the DPoP proof of a bound token; its algorithms go in the challenges' `algs`. */
  dpop: DpopVerifier;
  /** Accept only DPoP-bound tokens (RFC 9449 §7.1); Bearer is then refused. Default false. */
  requireDpop?: boolean | undefined;
  /** Demand a server nonce in every proof (RFC 9449 §9). Default false. */
  requireNonce?: boolean | undefined;
  /** Scopes the token must all carry; otherwise 403 `insufficient_scope`. */
  requiredScopes?: readonly string[] | undefined;
  /** RFC 6750 §3 `realm` in the challenges. */
  realm?: string | undefined;
  /** RFC 9728 §5.1: this resource's metadata URL, sent as `resource_metadata` in the challenges. */
  resourceMetadata?: string | undefined;
}

/**
 * Authenticates a request that carries a Mandate task token: exactly one
 * `Authorization: Bearer <token>` (RFC 6750 §2.1) or `Authorization: DPoP <token>` (RFC 9449
 * §7.1); the token through the verifier; for a DPoP-bound token (`cnf.jkt`), the DPoP scheme and
 * a proof for this method and URL; then the required scopes. A bound token sent as Bearer, or an
 * unbound one sent as DPoP, is refused. Other errors (a revocation check failing, a full replay
 * cache) are thrown, so the request fails closed.
 *
 * @example
 * const auth = new RequestAuthenticator({ verifier, dpop, resourceMetadata });
 * const a = await auth.authenticate({ method: req.method, url, headers: req.headersDistinct });
 * if ('refusal' in a) return send(a.refusal.status, a.refusal.headers(), a.refusal.body());
 */
export class RequestAuthenticator {
  /** How this resource describes itself in its challenges. */
  readonly challengeOptions: ChallengeOptions;
  readonly #o: AuthenticatorOptions;
  readonly #scopes: readonly string[];

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
    this.#scopes = [...(options.requiredScopes ?? [])];
    this.challengeOptions = {
      realm: options.realm,
      resourceMetadata: options.resourceMetadata,
      dpopAlgorithms: options.dpop.algorithms,
      requireDpop: options.requireDpop === true,
    };
  }

  /** The `WWW-Authenticate` value, with the error in the challenge of `error.scheme` (none: the bare challenges). */
  challenge(error?: ChallengeError): string {
    return challenge(this.challengeOptions, error);
  }

  /** A refusal with its challenge. */
  refusal(
    code: RequestVerificationCode,
    message: string,
    scheme: AuthorizationScheme,
    extra: { scope?: string; nonce?: string; cause?: unknown } = {},
  ): RequestVerificationError {
    return new RequestVerificationError(
      code,
      message,
      this.challenge({
        scheme,
        code,
        description: message,
        ...(extra.scope === undefined ? {} : { scope: extra.scope }),
      }),
      extra.nonce,
      extra.cause === undefined ? undefined : { cause: extra.cause },
    );
  }

  async authenticate(request: AuthenticationRequest): Promise<Authentication> {
    const refuse = (
      code: RequestVerificationCode,
      message: string,
      scheme: AuthorizationScheme,
      extra: { scope?: string; nonce?: string; cause?: unknown } = {},
    ) => ({
      refusal: this.refusal(code, message, scheme, {
        ...(request.scope === undefined ? {} : { scope: request.scope }),
        ...extra,
      }),
    });

    const credentials = readAuthorization(request.headers);
    if ('problem' in credentials)
      return refuse(credentials.problem, credentials.message, credentials.scheme);
    const { scheme, token } = credentials;
    const requireDpop = this.challengeOptions.requireDpop;
    if (requireDpop && scheme === 'Bearer')
      return refuse(
        'invalid_token',
        'this resource accepts only dpop-bound tokens: send `Authorization: DPoP` with a proof',
        scheme,
      );
    let principal: Principal;
    try {
      principal = await this.#o.verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenVerificationError)
        return refuse('invalid_token', err.message, scheme, { cause: err });
      throw err;
    }

    let dpopJkt: string | null = null;
    if (principal.cnfJkt === null) {
      if (requireDpop)
        return refuse('invalid_token', 'this resource accepts only dpop-bound tokens', scheme);
      if (scheme === 'DPoP')
        return refuse(
          'invalid_token',
          'the token is not dpop-bound: send it with `Authorization: Bearer`',
          scheme,
        );
    } else {
      // RFC 9449 §7.2: a resource that knows DPoP never accepts a bound token as a bearer token.
      if (scheme === 'Bearer')
        return refuse(
          'invalid_token',
          'the token is dpop-bound: send it with `Authorization: DPoP` and a proof',
          scheme,
        );
      const url = normalizeHtu(request.url);
      if (url === undefined)
        throw new TypeError('authentication needs the absolute http(s) url of the request');
      try {
        ({ jkt: dpopJkt } = await this.#o.dpop.verify({
          proof: headerValues(request.headers, 'dpop'),
          method: request.method.toUpperCase(),
          url,
          accessToken: token,
          expectedJkt: principal.cnfJkt,
          requireNonce: this.#o.requireNonce === true,
        }));
      } catch (err) {
        if (err instanceof DpopProofError)
          return refuse(err.code, err.message, 'DPoP', {
            ...(err.nonce === undefined ? {} : { nonce: err.nonce }),
            cause: err,
          });
        throw err;
      }
    }

    const missing = this.#scopes.filter((s) => !principal.scopes.includes(s));
    if (missing.length > 0)
      return refuse(
        'insufficient_scope',
        `the token lacks the scope ${missing.map((s) => `\`${s}\``).join(', ')}`,
        scheme,
        { scope: this.#scopes.join(' ') },
      );
    return { principal, chain: chainOf(principal), scheme, dpopJkt };
  }
}
