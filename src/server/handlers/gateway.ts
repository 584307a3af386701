import { MandateError } from '../../core/errors.js';
import type { Mandate } from '../mandate.js';
import { route, type HandlerInput } from '../route.js';

/**
 * The MCP gateway's HTTP surface: Streamable HTTP at /mcp (the gateway authenticates each
 * request itself and writes the response, SSE streams included, on the raw socket) and its RFC
 * 9728 protected resource metadata. Without a `gateway` setting both answer 404 saying how to
 * configure one.
 */

function gatewayOf(mandate: Mandate) {
  if (!mandate.gateway)
    throw new MandateError(
      'not_found',
      'the mcp gateway is not configured: set `gateway` (upstream mcp servers) in the config file or MANDATE_GATEWAY; see docs/gateway.md',
    );
  return mandate.gateway;
}

async function serveMcp({
  mandate,
  request,
  reply,
  body,
}: HandlerInput<unknown, unknown, unknown>): Promise<undefined> {
  const gateway = gatewayOf(mandate);
  reply.hijack();
  try {
    await gateway.handle(request.raw, reply.raw, body, String(request.id));
  } catch (err) {
    request.log.error({ err }, 'mcp gateway request failed');
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(500, { 'content-type': 'application/json' });
      reply.raw.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32603, message: 'internal error' },
        }),
      );
    } else if (!reply.raw.writableEnded) reply.raw.end();
  }
  return undefined;
}

const mcpResponses = {
  200: {
    description: 'A JSON-RPC response, or an SSE stream of messages',
    contentType: 'text/event-stream',
  },
  202: 'A notification or response accepted',
  401: 'No valid task token for the gateway (`WWW-Authenticate` with `resource_metadata`)',
  403: '`insufficient_scope` for a tool call, a session of another task or agent, or a foreign `Origin`',
  404: 'Unknown session, or no gateway configured',
};

export const mcpPost = route({
  method: 'POST',
  url: '/mcp',
  auth: 'none',
  audit: 'gateway.session_start',
  summary: 'MCP Streamable HTTP: a JSON-RPC message to the gateway (task token required)',
  tag: 'gateway',
  responses: mcpResponses,
  handler: serveMcp,
});
export const mcpGet = route({
  method: 'GET',
  url: '/mcp',
  auth: 'none',
  audit: null,
  summary: "MCP Streamable HTTP: the session's server-to-client SSE stream (task token required)",
  tag: 'gateway',
  responses: mcpResponses,
  handler: serveMcp,
});
export const mcpDelete = route({
  method: 'DELETE',
  url: '/mcp',
  auth: 'none',
  audit: 'gateway.session_end',
  summary: 'MCP Streamable HTTP: end the session (task token required)',
  tag: 'gateway',
  responses: mcpResponses,
  handler: serveMcp,
});

export const mcpProtectedResource = route({
  method: 'GET',
  url: '/.well-known/oauth-protected-resource/mcp',
  auth: 'none',
  audit: null,
  summary: 'RFC 9728 protected resource metadata of the MCP gateway',
  tag: 'discovery',
  responses: { 200: 'The metadata', 404: 'No gateway configured' },
  async handler({ mandate }) {
    return gatewayOf(mandate).metadata();
  },
});
