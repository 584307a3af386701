import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Step } from './context.js';

/**
 * Step 3: the exposed name to an upstream and its own tool name. A name that names no
 * upstream is a protocol error (MCP: unknown tool → -32602); a name of a configured upstream
 * goes on to the decision even when that upstream does not list it (policy denies unknown tools,
 * and the denial is audited).
 */
export const resolve: Step = async (call, deps) => {
  const r = deps.namer.resolveName(call.exposedName);
  if (!r || !deps.hasUpstream(r.server))
    throw new McpError(
      ErrorCode.InvalidParams,
      `unknown tool \`${call.exposedName.slice(0, 200)}\``,
    );
  call.target = { server: r.server, tool: r.name, toolId: `${r.server}/${r.name}` };
  return undefined;
};
