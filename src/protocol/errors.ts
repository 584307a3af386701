/**
 * Every error the protocol module throws. Each class has a stable `code` (the RFC 6750 / RFC 9449
 * error code where there is one), so callers `switch (err.code)`; messages are one lowercase line
 * and never contain a token.
 */

/** Why a task token was refused. Stable: callers may `switch` on it. */
export type TokenVerificationReason =
  | 'malformed'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'missing_claim'
  | 'bad_chain'
  | 'revoked'
  | 'jwks_unavailable';

/**
 * A refused task token. `code` is always the RFC 6750 §3.1 error code `invalid_token`, so a
 * resource server can answer `WWW-Authenticate: Bearer error="invalid_token"`; `reason` says
 * which check failed. The message never contains the token.
 *
 * @example
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof TokenVerificationError) reply(401, err.reason);
 *   else throw err;
 * }
 */
export class TokenVerificationError extends Error {
  readonly code = 'invalid_token' as const;

  constructor(
    readonly reason: TokenVerificationReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenVerificationError';
  }
}

/**
 * A refused DPoP proof (RFC 9449 §4.3): `invalid_dpop_proof`, or `use_dpop_nonce` with the
 * `nonce` to send in the `DPoP-Nonce` header (§8, §9).
 *
 * @example
 * if (err instanceof DpopProofError && err.code === 'use_dpop_nonce') reply.header('dpop-nonce', err.nonce);
 */
export class DpopProofError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    message: string,
    readonly nonce?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DpopProofError';
  }
}

/**
 * A replay cache full of live entries: it refuses rather than forget one, since a forgotten
 * `jti` could be replayed. Not a refusal of the request but a failure: the request fails closed.
 */
export class ReplayCacheFullError extends Error {
  readonly code = 'unavailable' as const;

  constructor() {
    super('the dpop replay cache is full of live proofs; refusing rather than forgetting one');
    this.name = 'ReplayCacheFullError';
  }
}

/**
 * Why a request to a protected resource was refused. Stable: callers may `switch` on it.
 * - `missing_token`: no `Authorization: Bearer|DPoP` credential (RFC 6750 §3.1: the challenge carries no error code);
 * - `invalid_request`: a malformed request (two Authorization or DPoP headers, a bad credential syntax);
 * - `invalid_token`: the token does not verify (expired, revoked, wrong audience...) or is presented with the wrong scheme;
 * - `invalid_dpop_proof`: the DPoP proof is missing or fails an RFC 9449 §4.3 check;
 * - `use_dpop_nonce`: the resource wants a fresh server nonce in the proof (RFC 9449 §9); `dpopNonce` holds it;
 * - `insufficient_scope`: the token verifies but lacks a required scope (403).
 *
 * @example
 * if (err instanceof RequestVerificationError && err.code === 'use_dpop_nonce') retryWith(err.dpopNonce);
 */
export type RequestVerificationCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_scope';

const STATUS: Record<RequestVerificationCode, 400 | 401 | 403> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  insufficient_scope: 403,
};

/**
 * A refused request, with what to answer: `status`, the exact `WWW-Authenticate` value (RFC 6750
 * §3, RFC 9449 §7.1, RFC 9728 §5.1), a `DPoP-Nonce` when one is asked for, and a JSON body. The
 * message never contains the token.
 *
 * @example
 * try {
 *   const { principal } = await verifyRequest(request, verifier);
 * } catch (err) {
 *   if (!(err instanceof RequestVerificationError)) throw err;
 *   res.writeHead(err.status, { ...err.headers(), 'content-type': 'application/json' }).end(JSON.stringify(err.body()));
 * }
 */
export class RequestVerificationError extends Error {
  /** 400, 401 or 403. */
  readonly status: 400 | 401 | 403;

  constructor(
    readonly code: RequestVerificationCode,
    message: string,
    /** The `WWW-Authenticate` header value to send. */
    readonly wwwAuthenticate: string,
    /** A nonce for the `DPoP-Nonce` header (with `use_dpop_nonce`), else undefined. */
    readonly dpopNonce?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestVerificationError';
    this.status = STATUS[code];
  }

  /** The response headers to send: `WWW-Authenticate`, and `DPoP-Nonce` when one is asked for. */
  headers(): Record<string, string> {
    return {
      'www-authenticate': this.wwwAuthenticate,
      ...(this.dpopNonce === undefined ? {} : { 'dpop-nonce': this.dpopNonce }),
    };
  }

  /** The JSON body to send: `{error, error_description}` (RFC 6749 §5.2 shape). */
  body(): { error: RequestVerificationCode; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}
