import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Allowed } from '../../core/call.js';
import { next, type Next } from '../../core/steps.js';
import type { HandledCall, McpDeps } from './context.js';

/**
 * `forward`: the allowed call goes to the upstream over the session's connection, which carries
 * the caller's brokered credential and nothing of the agent's own request. Progress is relayed
 * under the agent's progress token, cancellation follows the downstream request's signal, and
 * the upstream's answer (result or JSON-RPC error) comes back unchanged but for its resource
 * URIs, exposed in their namespaced form.
 */
export async function forward(
  call: HandledCall & Allowed,
  deps: Pick<McpDeps, 'log' | 'timeoutMs' | 'exposeResult'>,
): Promise<Next<CallToolResult>> {
  const { server, tool } = call.upstream;
  let client;
  try {
    client = await call.session.client(server);
  } catch (err) {
    deps.log.warn(
      { upstream: server, err: err instanceof Error ? err.message : String(err) },
      'mcp upstream connection failed',
    );
    throw new McpError(ErrorCode.InternalError, `upstream \`${server}\` is unavailable`);
  }
  const { progressToken: _ignored, ...meta } = call.meta ?? {};
  const params = {
    name: tool,
    arguments: call.arguments,
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
  try {
    const result = await call.session.inflight(server, call.route, () =>
      client.request({ method: 'tools/call', params }, CallToolResultSchema, {
        signal: call.signal,
        timeout: deps.timeoutMs(server),
        resetTimeoutOnProgress: true,
        ...(call.onProgress ? { onprogress: call.onProgress } : {}),
      }),
    );
    return next(deps.exposeResult(server, result));
  } catch (err) {
    if (err instanceof McpError) throw err;
    deps.log.warn(
      { upstream: server, err: err instanceof Error ? err.message : String(err) },
      'mcp upstream call failed',
    );
    throw new McpError(ErrorCode.InternalError, `upstream \`${server}\` failed to answer`);
  }
}
