import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { approval } from '../../core/approval.js';
import { authenticate } from '../../core/authenticate.js';
import { revocation } from '../../core/revocation.js';
import { Steps } from '../../core/steps.js';
import type { Admitted, Downstream, HandledCall, McpDeps, McpRequest } from './context.js';
import { forward } from './forward.js';
import { refusedResult } from './results.js';

/**
 * A `tools/call` at the MCP gateway, in order, on the enforcement core the HTTP proxy runs too
 * (../../core/):
 *
 *   authenticate → revocation   every HTTP request to /mcp, whatever it carries   REQUEST
 *   resolve → decide            each tools/call of a POST body, at the HTTP front  ../preflight.ts
 *   approval → forward          in the session's tools/call handler               CALL
 *
 * The SDK transport sits between decide and approval. The scope challenge (a call for a tool
 * the token's scopes do not grant, denied) must be an HTTP 403 with `WWW-Authenticate`, and once
 * the transport has a body it answers 200 and streams; so every call is decided at the front,
 * once, and the handler goes on from the call's `Decided` context, handed to it with the request
 * (`authInfo.extra`, next to the principal). An approval is only spent or asked for after the
 * transport took the call.
 */

export const REQUEST = Steps.start<McpDeps, McpRequest>().step(authenticate).step(revocation);

export const CALL = Steps.start<McpDeps, HandledCall>().step(approval).step(forward);

/** The rest of an admitted call in its session: approval and forward, or the refusal as a tool result. */
export async function callTool(
  admitted: Admitted,
  downstream: Downstream,
  deps: McpDeps,
): Promise<CallToolResult> {
  const { decided } = admitted;
  if ('end' in decided) return refusedResult(decided.end);
  const r = await CALL.run({ ...decided.next, ...downstream }, deps);
  return 'end' in r ? refusedResult(r.end) : r.next;
}
