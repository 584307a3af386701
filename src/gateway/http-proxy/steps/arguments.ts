import { next, type Next } from '../../core/steps.js';
import type { Read } from '../context.js';
import { queryArguments } from '../request-target.js';

/**
 * Before `decide` (../../core/decide.ts): the request as the decision sees it and an approval is
 * bound to, `{ method, url, path, params, query, body }` (`body` only for a JSON body).
 */
export async function requestArguments<C extends Read>(
  call: C,
): Promise<Next<C & { readonly arguments: Record<string, unknown> }>> {
  const { target, json } = call;
  return next({
    ...call,
    arguments: {
      method: call.req.method ?? 'GET',
      url: `${call.service.upstream.href.replace(/\/+$/, '')}${target.path}`,
      path: target.path,
      params: call.params,
      query: queryArguments(target.query),
      ...(json?.value !== undefined ? { body: json.value } : {}),
    },
  });
}
