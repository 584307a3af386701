import { RequestVerificationError } from '../../protocol/errors.js';
import { verifyRequest, type MandateRequestContext } from '../verify-request.js';
import { absoluteUrl, buildOptions, type MandateMiddlewareOptions } from './options.js';

/** The parts of a Fastify request the hook reads. */
export interface FastifyRequestLike {
  method: string;
  /** Path and query. */
  url: string;
  protocol?: string;
  /** Fastify 5: host and port from the `Host` header (or `X-Forwarded-Host` with `trustProxy`). */
  host?: string;
  headers: Record<string, string | string[] | undefined>;
  raw: { headersDistinct?: Record<string, string[] | undefined> };
  mandate?: MandateRequestContext;
}

/** The parts of a Fastify reply the hook writes. */
export interface FastifyReplyLike {
  code(statusCode: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}

/**
 * A Fastify 5 `preHandler` (or `onRequest`) hook: verifies the request's Mandate task token with
 * `verifyRequest` and sets `request.mandate` (`{ principal, chain, scheme, dpopJkt }`); a refused
 * request is answered with its status, `WWW-Authenticate` (and `DPoP-Nonce`) and a JSON body
 * `{error, error_description}`. Other errors are thrown to Fastify's error handler. To type
 * `request.mandate`, add `declare module 'fastify' { interface FastifyRequest { mandate?: MandateRequestContext } }`.
 *
 * @example
 * import { mandateFastify } from 'mandate/sdk';
 * const app = Fastify(); // from the fastify package
 * app.decorateRequest('mandate', null);
 * app.addHook('preHandler', mandateFastify({ verifier, origin: 'https://tools.example.org' }));
 * app.get('/tickets', async (request) => ({ caller: request.mandate!.principal.actor }));
 */
export function mandateFastify(
  options: MandateMiddlewareOptions,
): (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<FastifyReplyLike | undefined> {
  const built = buildOptions(options);
  return async (request, reply) => {
    const url = absoluteUrl(
      built,
      request.url,
      () => `${request.protocol ?? 'http'}://${String(request.host ?? request.headers.host)}`,
    );
    try {
      request.mandate = await verifyRequest(
        { method: request.method, url, headers: request.raw.headersDistinct ?? request.headers },
        built.verifier,
        built.verify,
      );
      return undefined;
    } catch (err) {
      if (!(err instanceof RequestVerificationError)) throw err;
      reply.code(err.status);
      for (const [name, value] of Object.entries(err.headers())) reply.header(name, value);
      reply.header('cache-control', 'no-store');
      // An async hook that answered returns the reply, so Fastify stops the chain here.
      return reply.send(err.body());
    }
  };
}
