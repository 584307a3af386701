import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { authenticate } from './authenticate.js';
import type { InflightRoute, PipelineDeps, Step, ToolCall } from './context.js';
import { decide } from './decide.js';
import { enforce } from './enforce.js';
import { forward } from './forward.js';
import { resolve } from './resolve.js';
import { revocation } from './revocation.js';

/**
 * The `tools/call` pipeline, in order. Each step may end the call; only `forward` reaches the
 * upstream, so nothing is forwarded unless every step before it let the call through.
 */
export const CALL_TOOL_STEPS: readonly Step[] = [
  authenticate,
  revocation,
  resolve,
  decide,
  enforce,
  forward,
];

export async function callTool(
  call: ToolCall,
  deps: PipelineDeps,
  route: InflightRoute,
): Promise<CallToolResult> {
  for (const step of CALL_TOOL_STEPS) {
    const outcome = await step(call, deps, route);
    if (outcome) return outcome.done;
  }
  // INVARIANT: `forward` always ends the call.
  throw new Error('the tools/call pipeline ended without a result');
}
