import type { TokenVerifier } from '../../protocol/token-verifier.js';
import {
  resolveVerifyOptions,
  type ResolvedVerifyOptions,
  type VerifyRequestOptions,
} from '../verify-request.js';

/**
 * What every Mandate middleware takes: the token verifier, `verifyRequest`'s options, and this server's public origin.
 *
 * @example
 * const options: MandateMiddlewareOptions = { verifier, origin: 'https://tools.example.org', requiredScopes: ['tool:tickets/read'] };
 */
export interface MandateMiddlewareOptions extends VerifyRequestOptions {
  /** Verifies the task tokens; its `audience` is this resource. */
  verifier: TokenVerifier;
  /**
   * This server's origin as clients address it, e.g. `https://tools.example.org`: the DPoP `htu`
   * of a request is checked against it plus the request path. Set it behind a proxy or a load
   * balancer; by default it comes from the request (protocol and `Host` header), which a client
   * controls.
   */
  origin?: string;
}

/** Internal: options checked once, when a middleware is built. */
export interface BuiltMiddlewareOptions {
  verifier: TokenVerifier;
  verify: ResolvedVerifyOptions;
  origin: string | undefined;
}

/** Internal: checks middleware options; throws a TypeError naming the bad one. */
export function buildOptions(options: MandateMiddlewareOptions): BuiltMiddlewareOptions {
  if (typeof options?.verifier?.verify !== 'function')
    throw new TypeError('verifier must be a TokenVerifier');
  let origin: string | undefined;
  if (options.origin !== undefined) {
    let url: URL;
    try {
      url = new URL(options.origin);
    } catch {
      throw new TypeError(
        'origin must be an absolute http(s) url such as https://tools.example.org',
      );
    }
    if (
      (url.protocol !== 'https:' && url.protocol !== 'http:') ||
      url.pathname !== '/' ||
      url.search !== '' ||
      url.hash !== ''
    ) {
      throw new TypeError(
        'origin must be an http(s) origin without path, query or fragment, such as https://tools.example.org',
      );
    }
    origin = url.origin;
  }
  return {
    verifier: options.verifier,
    verify: resolveVerifyOptions(options.verifier, options),
    origin,
  };
}

/** Internal: the absolute URL of a request: the configured origin, or the one the request names, plus its path and query. */
export function absoluteUrl(
  built: BuiltMiddlewareOptions,
  pathAndQuery: string,
  fromRequest: () => string,
): string {
  const path = pathAndQuery.startsWith('/') ? pathAndQuery : `/${pathAndQuery}`;
  return `${built.origin ?? fromRequest()}${path}`;
}
