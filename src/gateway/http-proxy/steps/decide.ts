import type { AuthorizeResult } from '../../../policy/decision-service.js';
import type { ProxyCall, ProxyDeps, Step } from '../context.js';
import { queryArguments } from '../request-target.js';

/**
 * Step 7: the decision (`DecisionService.authorize`: recorded in the task's session, audited) on
 * the route's tool with the request as arguments: `{ method, url, path, params, query, body }`
 * (`body` only for a JSON body). If the decision point throws, the request is refused: the proxy
 * always fails closed.
 */

export function callArguments(call: ProxyCall): Record<string, unknown> {
  const t = call.target!;
  return {
    method: call.req.method ?? 'GET',
    url: `${call.service.upstream.href.replace(/\/+$/, '')}${t.path}`,
    path: t.path,
    params: call.params ?? {},
    query: queryArguments(t.query),
    ...(call.json?.value !== undefined ? { body: call.json.value } : {}),
  };
}

export async function decideCall(
  call: ProxyCall,
  deps: ProxyDeps,
  approved: boolean,
): Promise<AuthorizeResult | undefined> {
  const toolId = call.route!.toolId;
  try {
    return await deps.decisions.authorize({
      principal: call.principal!,
      toolId,
      arguments: call.arguments!,
      approved,
      requestId: call.requestId,
    });
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err), tool: toolId },
      'decision point unavailable; the proxy fails closed',
    );
    return undefined;
  }
}

export const decisionPointUnavailable = (toolId: string) => ({
  refuse: {
    code: 'decision_point_unavailable' as const,
    detail: `mandate could not decide \`${toolId}\`: the decision point is unavailable, and the proxy fails closed, so nothing was forwarded`,
    outcome: 'unavailable' as const,
    headers: { 'retry-after': '1' },
  },
});

export const decide: Step = async (call, deps) => {
  call.arguments = callArguments(call);
  const d = await decideCall(call, deps, false);
  if (!d) return decisionPointUnavailable(call.route!.toolId);
  call.decision = d;
  return undefined;
};
