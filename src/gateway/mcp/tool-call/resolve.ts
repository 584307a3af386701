import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { toolTarget } from '../../core/call.js';
import { end, next, type End, type Next } from '../../core/steps.js';
import type { CallRequest, McpDeps, ResolvedCall } from './context.js';

/**
 * `resolve`: the name the agent called to an upstream and that upstream's own name for the tool.
 * Only a tool the gateway exposes resolves: its upstream lists it now, the catalog took it in,
 * and it is exposed under exactly this name. Any other name is an unknown tool (MCP: -32602), so
 * no caller-chosen name ever reaches a header, the decision point or an upstream.
 */

export interface UnknownTool {
  readonly kind: 'unknown_tool';
  readonly id: RequestId;
  readonly name: string;
}

export async function resolve<C extends CallRequest>(
  call: C,
  deps: Pick<McpDeps, 'namer' | 'lists'>,
): Promise<Next<C & ResolvedCall> | End<UnknownTool>> {
  const r = deps.namer.resolveName(call.name);
  if (!r || !deps.lists(r.server, r.name) || deps.namer.exposeName(r.server, r.name) !== call.name)
    return end({ kind: 'unknown_tool', id: call.id, name: call.name });
  return next({
    ...call,
    upstream: { server: r.server, tool: r.name },
    tool: toolTarget(`${r.server}/${r.name}`, call.principal),
  });
}
