import { RequestVerificationError } from '../../protocol/errors.js';
import { verifyRequest, type MandateRequestContext } from '../verify-request.js';
import { absoluteUrl, buildOptions, type MandateMiddlewareOptions } from './options.js';

/**
 * Hono environment with the `mandate` variable.
 *
 * @example
 * const app = new Hono<MandateHonoEnv>();
 * app.get('/x', (c) => c.json({ actor: c.get('mandate').principal.actor }));
 */
export interface MandateHonoEnv {
  Variables: { mandate: MandateRequestContext };
}

/** The parts of a Hono context the middleware uses. */
export interface HonoContextLike {
  req: { raw: Request; url: string; method: string };
  set(key: 'mandate', value: MandateRequestContext): void;
}

/**
 * Hono middleware: verifies the request's Mandate task token with `verifyRequest` and sets the
 * `mandate` variable (`{ principal, chain, scheme, dpopJkt }`); a refused request is answered
 * with its status, `WWW-Authenticate` (and `DPoP-Nonce`) and a JSON body `{error, error_description}`.
 * Other errors are thrown to Hono's error handler.
 *
 * @example
 * import { mandateHono, type MandateHonoEnv } from 'mandate/sdk';
 * const app = new Hono<MandateHonoEnv>(); // Hono from the hono package
 * app.use('/tools/*', mandateHono({ verifier, origin: 'https://tools.example.org' }));
 * app.get('/tools/tickets', (c) => c.json({ caller: c.get('mandate').principal.actor }));
 */
export function mandateHono(
  options: MandateMiddlewareOptions,
): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  const built = buildOptions(options);
  return async (c, next) => {
    const requested = new URL(c.req.url);
    const url = absoluteUrl(
      built,
      `${requested.pathname}${requested.search}`,
      () => requested.origin,
    );
    let ctx: MandateRequestContext;
    try {
      ctx = await verifyRequest(
        { method: c.req.method, url, headers: c.req.raw.headers },
        built.verifier,
        built.verify,
      );
    } catch (err) {
      if (!(err instanceof RequestVerificationError)) throw err;
      return new Response(JSON.stringify(err.body()), {
        status: err.status,
        headers: {
          ...err.headers(),
          'content-type': 'application/json',
          'cache-control': 'no-store',
        },
      });
    }
    c.set('mandate', ctx);
    await next();
    return undefined;
  };
}
