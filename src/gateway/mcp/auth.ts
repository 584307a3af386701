import type { IncomingHttpHeaders } from 'node:http';
import { MandateError } from '../../core/errors.js';
import type { DpopVerifier } from '../../oauth/dpop.js';
import { quotedDescription, quotedString } from '../../sdk/auth-param.js';
import type { LocalTaskTokenVerifiers, Principal } from '../task-token-verifier.js';

/**
 * Authentication of every HTTP request to /mcp, initialize included: a task token whose audience
 * is the gateway's resource (RFC 8707 / RFC 9068; a token for any other audience is refused),
 * revocation checked on every request, and for a DPoP-bound token (`cnf.jkt`) the `DPoP` scheme
 * with a proof for this request (RFC 9449 §7). A refusal carries the RFC 6750 / RFC 9449
 * challenge with RFC 9728 `resource_metadata`, so a client can discover where to get a token.
 */

export interface Refusal {
  status: 400 | 401;
  /** The RFC 6750 error code; absent when the request had no credentials at all (RFC 6750 §3.1). */
  error?: 'invalid_request' | 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  description: string;
  headers: Record<string, string>;
}

export interface GatewayAuthOptions {
  verifiers: LocalTaskTokenVerifiers;
  dpop: DpopVerifier;
  /** The token audience: the gateway's resource identifier. */
  resource: string;
  /** The public URL of /mcp (DPoP `htu`). */
  endpoint: string;
  resourceMetadataUrl: string;
  dpopRequired: boolean;
}

export class GatewayAuthenticator {
  readonly #o: GatewayAuthOptions;

  constructor(options: GatewayAuthOptions) {
    this.#o = options;
  }

  /** `WWW-Authenticate` for a refusal: the Bearer challenge (and DPoP's when DPoP is in play). */
  challenge(
    error?: Refusal['error'],
    description?: string,
    scheme: 'Bearer' | 'DPoP' | 'both' = 'both',
  ): string {
    const params = [
      `resource_metadata=${quotedString(this.#o.resourceMetadataUrl)}`,
      ...(error ? [`error="${error}"`] : []),
      ...(description ? [`error_description=${quotedDescription(description)}`] : []),
    ];
    const bearer = `Bearer ${params.join(', ')}`;
    const dpop = `DPoP algs=${quotedString(this.#o.dpop.algorithms.join(' '))}, ${params.join(', ')}`;
    if (scheme === 'Bearer') return this.#o.dpopRequired ? dpop : bearer;
    if (scheme === 'DPoP') return dpop;
    return this.#o.dpopRequired ? dpop : `${bearer}, ${dpop}`;
  }

  /** The 403 challenge of a call the token's scopes do not grant (RFC 6750 §3.1 `insufficient_scope`), naming the scopes it needs. */
  insufficientScope(scopes: readonly string[]): string {
    // resource_metadata first: some clients take the first `resource_metadata=` they find, even inside another value.
    const params = [
      `resource_metadata=${quotedString(this.#o.resourceMetadataUrl)}`,
      'error="insufficient_scope"',
      `scope=${quotedString(scopes.join(' '))}`,
      `error_description=${quotedDescription("the token's scopes do not grant this tool")}`,
    ];
    return `${this.#o.dpopRequired ? 'DPoP' : 'Bearer'} ${params.join(', ')}`;
  }

  /** The verified principal, or the refusal to send. */
  async authenticate(
    method: string,
    headers: IncomingHttpHeaders,
  ): Promise<{ principal: Principal } | { refusal: Refusal }> {
    const header = headers.authorization;
    const match =
      typeof header === 'string'
        ? /^(Bearer|DPoP)\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header)
        : null;
    if (!match) {
      const description = `send a task token for \`${this.#o.resource}\` in the authorization header`;
      return {
        refusal: {
          status: 401,
          ...(header ? { error: 'invalid_request' as const } : {}),
          description,
          headers: {
            'www-authenticate': this.challenge(
              header ? 'invalid_request' : undefined,
              header ? description : undefined,
            ),
          },
        },
      };
    }
    const scheme = match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2]!;
    const verified = await this.#o.verifiers.verify(token, this.#o.resource);
    if ('error' in verified) return { refusal: this.#invalidToken(verified.error) };
    const principal = verified.principal;
    if (principal.cnfJkt === null) {
      if (scheme === 'DPoP')
        return {
          refusal: this.#invalidToken(
            'the token is not dpop-bound; send it with the bearer scheme',
          ),
        };
      if (this.#o.dpopRequired)
        return { refusal: this.#invalidToken('this gateway accepts only dpop-bound tokens') };
      return { principal };
    }
    // RFC 9449 §7.1: a DPoP-bound token is only accepted with the DPoP scheme and a proof for this request.
    if (scheme !== 'DPoP')
      return {
        refusal: this.#invalidToken(
          'the token is dpop-bound; send it with the dpop scheme and a proof',
          'DPoP',
        ),
      };
    try {
      await this.#o.dpop.verify({
        proof: headers.dpop,
        method,
        url: this.#o.endpoint,
        accessToken: token,
        expectedJkt: principal.cnfJkt,
      });
    } catch (err) {
      if (!(err instanceof MandateError)) throw err;
      if (err.code === 'use_dpop_nonce') {
        const nonce = String(err.details?.nonce ?? '');
        return {
          refusal: {
            status: 401,
            error: 'use_dpop_nonce',
            description: err.message,
            headers: {
              'www-authenticate': this.challenge('use_dpop_nonce', err.message, 'DPoP'),
              'dpop-nonce': nonce,
            },
          },
        };
      }
      return {
        refusal: {
          status: 401,
          error: 'invalid_dpop_proof',
          description: err.message,
          headers: {
            'www-authenticate': this.challenge('invalid_dpop_proof', err.message, 'DPoP'),
          },
        },
      };
    }
    return { principal };
  }

  #invalidToken(description: string, scheme: 'Bearer' | 'DPoP' | 'both' = 'both'): Refusal {
    return {
      status: 401,
      error: 'invalid_token',
      description,
      headers: { 'www-authenticate': this.challenge('invalid_token', description, scheme) },
    };
  }
}
