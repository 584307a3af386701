import { RequestVerificationError } from '../../protocol/errors.js';
import { verifyRequest, type MandateRequestContext } from '../verify-request.js';
import { absoluteUrl, buildOptions, type MandateMiddlewareOptions } from './options.js';

declare global {
  // Express's own extension point (as passport uses): `req.mandate` is typed wherever @types/express is.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `mandateExpress` once the request's task token verified. */
      mandate?: MandateRequestContext;
    }
  }
}

/** The parts of an Express (or plain `node:http`) request the middleware reads. */
export interface NodeRequestLike {
  method?: string | undefined;
  /** Express: the path and query before any router mount stripped it. */
  originalUrl?: string;
  url?: string | undefined;
  /** Express: `http` or `https`, honouring its `trust proxy` setting. */
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Node ≥ 18.3: every value of every header, so repeated Authorization or DPoP headers are seen. */
  headersDistinct?: Record<string, string[] | undefined>;
  /** A TLS socket has `encrypted: true`: the fallback protocol without Express. */
  socket?: unknown;
  mandate?: MandateRequestContext;
}

/** The parts of a `node:http` `ServerResponse` (which Express's response is) the middleware writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/**
 * Express 5 middleware (also plain `node:http` / connect style): verifies the request's Mandate
 * task token with `verifyRequest` and sets `req.mandate` (`{ principal, chain, scheme, dpopJkt }`);
 * a refused request is answered with its status, `WWW-Authenticate` (and `DPoP-Nonce`) and a JSON
 * body `{error, error_description}`. Any other error goes to `next(err)`.
 *
 * @example
 * import { mandateExpress, TokenVerifier } from 'mandate/sdk';
 * // express from the express package
 * const verifier = new TokenVerifier({ issuer, audience: 'https://tools.example.org', jwksUri: `${issuer}/.well-known/jwks.json` });
 * const app = express();
 * app.use('/tools', mandateExpress({ verifier, origin: 'https://tools.example.org', requiredScopes: ['tool:tickets/read'] }));
 * app.get('/tools/tickets', (req, res) => res.json({ caller: req.mandate!.principal.actor }));
 */
export function mandateExpress(
  options: MandateMiddlewareOptions,
): (req: NodeRequestLike, res: NodeResponseLike, next: (err?: unknown) => void) => void {
  const built = buildOptions(options);
  return (req, res, next) => {
    const pathAndQuery = req.originalUrl ?? req.url ?? '/';
    const url = absoluteUrl(
      built,
      pathAndQuery,
      () =>
        `${req.protocol ?? ((req.socket as { encrypted?: boolean } | null | undefined)?.encrypted ? 'https' : 'http')}://${String(req.headers.host)}`,
    );
    verifyRequest(
      { method: req.method ?? 'GET', url, headers: req.headersDistinct ?? req.headers },
      built.verifier,
      built.verify,
    ).then(
      (ctx) => {
        req.mandate = ctx;
        next();
      },
      (err: unknown) => {
        if (!(err instanceof RequestVerificationError)) return next(err);
        res.statusCode = err.status;
        for (const [name, value] of Object.entries(err.headers())) res.setHeader(name, value);
        res.setHeader('content-type', 'application/json');
        res.setHeader('cache-control', 'no-store');
        res.end(JSON.stringify(err.body()));
      },
    );
  };
}
