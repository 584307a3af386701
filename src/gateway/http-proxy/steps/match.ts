import { toolTarget, type Authenticated } from '../../core/call.js';
import { end, next, type End, type Next } from '../../core/steps.js';
import { matchRoute } from '../allowlist.js';
import type { Matched, ProxyRequest, Refusal } from '../context.js';
import { parseRequestTarget, type RequestTarget } from '../request-target.js';

/**
 * `requestTarget` and `match`, the proxy's `resolve` in two: the path is checked (./request-target.ts: a path with two readings
 * is refused, never normalized), then matched against the allowlist: a path no route matches is
 * 403 `route_not_allowed`, a path whose routes are all of other methods is 405 with `Allow`. Both
 * name what is allowed. The matched route names the tool the request is decided as.
 */

export async function requestTarget<C extends ProxyRequest & Authenticated>(
  call: C,
): Promise<Next<C & { readonly target: RequestTarget }> | End<Refusal>> {
  const target = parseRequestTarget(call.req.url ?? '');
  if ('error' in target)
    return end({
      code: 'invalid_path',
      detail: `mandate refused the path: ${target.error}`,
      outcome: 'bad_request',
      reason: 'path',
    });
  return next({ ...call, target });
}

export async function match<C extends ProxyRequest & Authenticated & { target: RequestTarget }>(
  call: C,
): Promise<Next<C & Matched> | End<Refusal>> {
  const { service, req, target } = call;
  const method = req.method ?? 'GET';
  const m = matchRoute(service.routes, method, target);
  if (m === undefined)
    return end({
      code: 'route_not_allowed',
      detail: `\`${method} ${target.path.slice(0, 200)}\` is not an allowed route of \`${service.name}\``,
      outcome: 'route_not_allowed',
      reason: 'route',
      extra: { allowed: service.routes.map((r) => r.label) },
    });
  if ('methods' in m)
    return end({
      code: 'method_not_allowed',
      detail: `\`${method}\` is not allowed on \`${target.path.slice(0, 200)}\` of \`${service.name}\`; allowed: ${m.methods.join(', ')}`,
      outcome: 'method_not_allowed',
      reason: 'method',
      headers: { allow: m.methods.join(', ') },
      extra: { allowed_methods: m.methods },
    });
  return next({
    ...call,
    route: m.route,
    params: m.params,
    tool: toolTarget(m.route.toolId, call.principal),
  });
}
