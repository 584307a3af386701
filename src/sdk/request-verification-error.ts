import { quotedDescription, quotedString } from './auth-param.js';

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

/** How a resource server describes itself in its `WWW-Authenticate` challenges. */
export interface ChallengeOptions {
  /** RFC 6750 §3 `realm`. */
  realm?: string;
  /** RFC 9728 §5.1: the URL of this resource's protected resource metadata. */
  resourceMetadata?: string;
  /** RFC 9449 §7.1 `algs`: the DPoP proof algorithms accepted. */
  dpopAlgorithms: readonly string[];
  /** When true, only the DPoP challenge is offered. */
  requireDpop: boolean;
}

const STATUS: Record<RequestVerificationCode, number> = {
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
  readonly status: number;

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

/** What a refusal puts in the challenge of the scheme the request used. */
export interface ChallengeError {
  scheme: 'Bearer' | 'DPoP';
  code: RequestVerificationCode;
  description: string;
  /** RFC 6750 §3 `scope`, with `insufficient_scope`. */
  scope?: string;
}

/**
 * The `WWW-Authenticate` value: a Bearer challenge (unless DPoP is required) and a DPoP
 * challenge with `algs`; the error goes in the challenge of the scheme the request used.
 * RFC 6750 §3.1: a request without credentials gets challenges without an error code.
 *
 * @example
 * challenge({ dpopAlgorithms: ['ES256'], requireDpop: false }) // 'Bearer, DPoP algs="ES256"'
 */
export function challenge(opts: ChallengeOptions, error?: ChallengeError): string {
  const schemes: ('Bearer' | 'DPoP')[] = opts.requireDpop ? ['DPoP'] : ['Bearer', 'DPoP'];
  // With DPoP required there is no Bearer challenge to carry an error about a Bearer request.
  const target = opts.requireDpop ? 'DPoP' : error?.scheme;
  return schemes
    .map((scheme) => {
      const params: string[] = [];
      if (opts.realm !== undefined) params.push(`realm=${quotedString(opts.realm)}`);
      if (error && target === scheme && error.code !== 'missing_token') {
        params.push(
          `error="${error.code}"`,
          `error_description=${quotedDescription(error.description)}`,
        );
        if (error.scope !== undefined) params.push(`scope=${quotedString(error.scope)}`);
      }
      if (opts.resourceMetadata !== undefined)
        params.push(`resource_metadata=${quotedString(opts.resourceMetadata)}`);
      if (scheme === 'DPoP') params.push(`algs=${quotedString(opts.dpopAlgorithms.join(' '))}`);
      return params.length === 0 ? scheme : `${scheme} ${params.join(', ')}`;
    })
    .join(', ');
}
