import { matchRoute } from '../allowlist.js';
import type { Step } from '../context.js';
import { parseRequestTarget } from '../request-target.js';

/**
 * Step 3: the path, checked (./request-target.ts: a path with two readings is refused, never
 * normalized), then the allowlist: a path no route matches is 403 `route_not_allowed`, a path
 * whose routes are all of other methods is 405 with `Allow`. Both name what is allowed.
 */
export const match: Step = async (call) => {
  const { service, req } = call;
  const target = parseRequestTarget(req.url ?? '');
  if ('error' in target)
    return {
      refuse: {
        code: 'invalid_path',
        detail: `mandate refused the path: ${target.error}`,
        outcome: 'bad_request',
        reason: 'path',
      },
    };
  call.target = target;
  const method = req.method ?? 'GET';
  const m = matchRoute(service.routes, method, target);
  if (m === undefined) {
    return {
      refuse: {
        code: 'route_not_allowed',
        detail: `\`${method} ${target.path.slice(0, 200)}\` is not an allowed route of \`${service.name}\``,
        outcome: 'route_not_allowed',
        reason: 'route',
        extra: { allowed: service.routes.map((r) => r.label) },
      },
    };
  }
  if ('methods' in m) {
    return {
      refuse: {
        code: 'method_not_allowed',
        detail: `\`${method}\` is not allowed on \`${target.path.slice(0, 200)}\` of \`${service.name}\`; allowed: ${m.methods.join(', ')}`,
        outcome: 'method_not_allowed',
        reason: 'method',
        headers: { allow: m.methods.join(', ') },
        extra: { allowed_methods: m.methods },
      },
    };
  }
  call.route = m.route;
  call.params = m.params;
  return undefined;
};
