import type { CompiledRoute } from './context.js';
import type { RequestTarget } from './request-target.js';
import { bySpecificity, matchTemplate } from './template.js';

/**
 * The allowlist of a service: a request passes only as one of its method + path routes. Among
 * the routes of the request's method whose template matches the path, the most specific wins
 * (`/items/export` over `/items/{id}` over `/items/**`). When the path matches only routes of
 * other methods, those methods are what `Allow` names (405).
 */
export type RouteMatch =
  { route: CompiledRoute; params: Record<string, string> } | { methods: string[] } | undefined;

export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  target: RequestTarget,
): RouteMatch {
  let best: { route: CompiledRoute; params: Record<string, string> } | undefined;
  const others = new Set<string>();
  for (const route of routes) {
    const params = matchTemplate(route.template, target.segments, target.trailingSlash);
    if (!params) continue;
    if (route.method !== method) {
      others.add(route.method);
      continue;
    }
    if (!best || bySpecificity(route.template, best.route.template) < 0) best = { route, params };
  }
  if (best) return best;
  return others.size > 0 ? { methods: [...others].sort() } : undefined;
}
