import { request as httpRequest, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream';
import { end, next, type End, type Next } from '../../core/steps.js';
import type { Forwarded, Injected, ProxyDeps, Refusal } from '../context.js';
import { downstreamHeaders, upstreamHeaders } from '../headers.js';

/**
 * `forward`: the allowed request goes to the upstream and its answer comes back, both bodies
 * streamed (a JSON body was read for the decision and goes out as the same bytes). The upstream
 * sees the canonical path that was matched, the agent's query with the credential's parameters
 * after it, the agent's headers filtered (./headers.ts: never its Authorization, DPoP or Cookie),
 * the injected credential, the identity assertion and `X-Request-Id`.
 *
 * node:http rather than fetch: fetch decodes content-codings and adds headers of its own
 * (`Accept-Language`, `Sec-Fetch-Mode`), and a proxy must pass bytes and headers through as
 * they are. Timeouts: `timeoutMs` for the response headers (then 504), and as the longest
 * silence while the body streams (then the response is cut).
 */

class UpstreamTimeout extends Error {}

const encodeQuery = (q: Record<string, string>): string =>
  Object.entries(q)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

function upstreamRequest(call: Injected): RequestOptions {
  const { req, service, target, injected } = call;
  const base = service.upstream.pathname.replace(/\/+$/, '');
  const query = [target.query, encodeQuery(injected.query)].filter((q) => q.length > 0).join('&');
  const reserved = new Set([...Object.keys(injected.headers)].map((h) => h.toLowerCase()));
  const headers: OutgoingHttpHeaders = {
    ...upstreamHeaders(req.rawHeaders, req.headers, reserved),
    ...injected.headers,
    'x-request-id': call.requestId,
  };
  if (call.json) headers['content-length'] = String(call.json.bytes.length);
  else if (req.headers['content-length'] !== undefined)
    headers['content-length'] = req.headers['content-length'];
  return {
    protocol: service.upstream.protocol,
    hostname: service.upstream.hostname.replace(/^\[|\]$/g, ''),
    port: service.upstream.port || undefined,
    method: req.method ?? 'GET',
    path: `${base}${target.path}${query ? `?${query}` : ''}`,
    headers,
    agent: service.agent,
  };
}

export const forward = <C extends Injected>(
  call: C,
  deps: Pick<ProxyDeps, 'metrics' | 'log'>,
): Promise<Next<C & Forwarded> | End<Refusal>> =>
  new Promise((resolve) => {
    const { req, res, service, route } = call;
    let settled = false;
    let status = 502;
    const done = (outcome: Next<C & Forwarded> | End<Refusal>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const options = upstreamRequest(call);
    const up = (service.upstream.protocol === 'https:' ? httpsRequest : httpRequest)(options);
    const timer = setTimeout(() => up.destroy(new UpstreamTimeout()), service.timeoutMs);
    up.setTimeout(service.timeoutMs, () => up.destroy(new UpstreamTimeout()));

    up.on('response', (answer) => {
      clearTimeout(timer);
      status = answer.statusCode ?? 502;
      deps.metrics?.upstreamStatus(service.name, route.label, status);
      res.writeHead(status, {
        ...downstreamHeaders(answer.rawHeaders, answer.headers),
        'x-request-id': call.requestId,
        'x-mandate-decision-id': call.decision.decisionId,
      });
      pipeline(answer, res, (err) => {
        if (err && !res.writableFinished)
          deps.log.warn(
            {
              service: service.name,
              route: route.label,
              err: err instanceof UpstreamTimeout ? 'upstream went silent' : err.message,
            },
            'proxy response cut short',
          );
        done(next({ ...call, upstreamStatus: status }));
      });
    });
    up.on('error', (err) => {
      if (res.headersSent) {
        res.destroy();
        return done(next({ ...call, upstreamStatus: status }));
      }
      const timeout = err instanceof UpstreamTimeout;
      deps.log.warn(
        { service: service.name, route: route.label, err: timeout ? 'timeout' : err.message },
        'proxy upstream request failed',
      );
      done(
        end(
          timeout
            ? {
                code: 'upstream_timeout',
                detail: `\`${service.name}\` did not answer within ${service.timeoutMs} ms`,
                outcome: 'upstream_timeout',
                headers: { connection: 'close' },
              }
            : {
                code: 'upstream_unavailable',
                detail: `\`${service.name}\` could not be reached`,
                outcome: 'upstream_error',
                headers: { connection: 'close' },
              },
        ),
      );
    });
    // The agent went away: stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });

    if (call.json) up.end(call.json.bytes);
    else if (
      req.headers['content-length'] !== undefined ||
      req.headers['transfer-encoding'] !== undefined
    )
      pipeline(req, up, (err) => err && up.destroy(err));
    else up.end();
  });
