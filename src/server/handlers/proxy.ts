import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { Mandate } from '../mandate.js';
import { toProblem } from '../problem.js';
import { route, type HandlerInput, type Method } from '../route.js';

/**
 * The HTTP proxy's surface: `/proxy/<service>/...` for every method the allowlists may name (the
 * proxy authenticates each request itself and streams both bodies on the raw socket: these
 * routes leave the body unread, see `stream`), and each service's RFC 9728 protected resource
 * metadata. Without a `proxy` setting they answer 404 saying how to configure one.
 */

function proxyOf(mandate: Mandate) {
  if (!mandate.proxy)
    throw new MandateError(
      'not_found',
      'the http proxy is not configured: set `proxy` (services with an upstream and allowed routes) in the config file or MANDATE_PROXY; see docs/proxy.md',
    );
  return mandate.proxy;
}

async function serveProxy({
  mandate,
  request,
  reply,
}: HandlerInput<unknown, unknown, unknown>): Promise<undefined> {
  const proxy = proxyOf(mandate);
  reply.hijack();
  try {
    await proxy.handle(request.raw, reply.raw, { requestId: String(request.id), log: request.log });
  } catch (err) {
    request.log.error({ err }, 'proxy request failed');
    if (!reply.raw.headersSent) {
      const problem = toProblem(
        new MandateError('internal', 'internal error; the request id is in the server log'),
        String(request.id),
      );
      reply.raw.writeHead(problem.status, {
        'content-type': 'application/problem+json',
        'x-request-id': problem.request_id,
      });
      reply.raw.end(JSON.stringify(problem));
    } else if (!reply.raw.writableEnded) reply.raw.destroy();
  }
  return undefined;
}

const responses = {
  200: {
    description: "The upstream's response, streamed (any status the upstream answers is passed on)",
    contentType: '*/*',
  },
  400: 'A path with more than one reading (`..`, `%2f`, `//`...), a bad JSON body, or the task token passed on outside Authorization',
  401: 'No valid task token for `<issuer>/proxy/<service>` (`WWW-Authenticate` with `resource_metadata`), or a revoked one',
  403: '`route_not_allowed`, denied by policy (`decision_id`, `reasons`), `insufficient_scope`, or `approval_required` (`approval_id`, `approve_url`, `status_url`)',
  404: 'No such service, or no proxy configured',
  405: 'The path is allowed for other methods only (`Allow`)',
  429: 'Over the per-agent rate limit (`Retry-After`)',
  502: 'The upstream or its credential is unavailable',
  503: 'The decision point is unavailable: the proxy fails closed',
  504: 'The upstream did not answer in time',
};

const proxyRoute = (method: Method) =>
  route({
    method,
    url: '/proxy/:service/*',
    auth: 'none',
    audit: 'decision',
    stream: true,
    summary: `Proxy a ${method} request to a configured plain HTTP API: task token, allowlist, rate limit, decision, brokered credential`,
    tag: 'proxy',
    responses,
    handler: serveProxy,
  });

export const proxyGet = proxyRoute('GET');
export const proxyPost = proxyRoute('POST');
export const proxyPut = proxyRoute('PUT');
export const proxyPatch = proxyRoute('PATCH');
export const proxyDelete = proxyRoute('DELETE');

export const proxyProtectedResource = route<undefined, undefined, { service: string }>({
  method: 'GET',
  url: '/.well-known/oauth-protected-resource/proxy/:service',
  auth: 'none',
  audit: null,
  summary: 'RFC 9728 protected resource metadata of one proxy service',
  tag: 'discovery',
  params: z.object({ service: z.string() }),
  responses: { 200: 'The metadata', 404: 'No such service, or no proxy configured' },
  async handler({ mandate, params }) {
    const metadata = proxyOf(mandate).metadata(params.service);
    if (!metadata)
      throw new MandateError('not_found', `no proxy service \`${params.service.slice(0, 64)}\``);
    return metadata;
  },
});
