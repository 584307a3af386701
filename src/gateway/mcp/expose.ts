import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { Namer } from './naming.js';

/**
 * Rewrites the resource URIs an upstream returns into the form agents use (`<server>+<uri>`),
 * so a URI read from a result can be passed back to `resources/read` through the gateway.
 * Everything else in a result is relayed as the upstream sent it.
 */

type ContentLike = { type?: unknown; uri?: unknown; resource?: { uri?: unknown } };

function exposeContent<T>(namer: Namer, server: string, item: T): T {
  const c = item as ContentLike;
  if (c.type === 'resource_link' && typeof c.uri === 'string')
    return { ...item, uri: namer.exposeUri(server, c.uri) ?? c.uri };
  if (c.type === 'resource' && c.resource && typeof c.resource.uri === 'string')
    return {
      ...item,
      resource: { ...c.resource, uri: namer.exposeUri(server, c.resource.uri) ?? c.resource.uri },
    };
  return item;
}

export function exposeToolResult(namer: Namer, server: string, r: CallToolResult): CallToolResult {
  return Array.isArray(r.content)
    ? { ...r, content: r.content.map((c) => exposeContent(namer, server, c)) }
    : r;
}

export function exposeReadResult(
  namer: Namer,
  server: string,
  r: ReadResourceResult,
): ReadResourceResult {
  return {
    ...r,
    contents: r.contents.map((c) => ({ ...c, uri: namer.exposeUri(server, c.uri) ?? c.uri })),
  };
}

export function exposePromptResult(
  namer: Namer,
  server: string,
  r: GetPromptResult,
): GetPromptResult {
  return {
    ...r,
    messages: r.messages.map((m) => ({ ...m, content: exposeContent(namer, server, m.content) })),
  };
}
