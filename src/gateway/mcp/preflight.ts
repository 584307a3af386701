import {
  CallToolRequestSchema,
  isJSONRPCRequest,
  JSONRPCMessageSchema,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Authenticated } from '../core/call.js';
import { decide } from '../core/decide.js';
import { isScopeChallenge, type Denied } from '../core/outcome.js';
import type { Admitted, CallRequest, McpDeps, ResolvedCall } from './tool-call/context.js';
import { resolve } from './tool-call/resolve.js';

/**
 * What the HTTP front of /mcp checks in a POST body before the SDK transport sees it, and the
 * front's steps of each `tools/call` in it (./tool-call/tool-call.ts):
 * - JSON-RPC batches: removed from MCP in 2025-06-18, so refused on sessions that negotiated it
 *   or later; on older sessions each element goes through the same steps as a single message.
 * - resolve: a name that is not a tool the gateway exposes is answered -32602 here, and nothing
 *   of the body runs.
 * - decide, every call: a denial of a tool the token's scopes do not grant is the MCP "scope
 *   challenge", a 403 `insufficient_scope` naming the scope, and nothing of the body runs. Those
 *   calls are decided first, so a body the challenge refuses has nothing else decided.
 * A body the transport will refuse as a whole (a message that is not JSON-RPC) and a call its
 * schema refuses are left to the SDK: nothing is decided for them.
 */

type Json = Record<string, unknown>;

/** The first MCP revision without JSON-RPC batching. */
export const NO_BATCH_SINCE = '2025-06-18';

/** The most messages one batch may hold: each call in it is decided (and audited) here, so one request must not ask for thousands. */
export const MAX_BATCH = 100;

/** The protocol the SDK server answers an `initialize` with: the client's, when supported, else the latest. */
export function negotiatedProtocol(requested: unknown): string {
  return typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
}

export type PreflightDeps = Pick<McpDeps, 'namer' | 'lists' | 'decisions' | 'log'>;

export type Preflight =
  /** HTTP 400 with this JSON-RPC error (the body as a whole is refused). */
  | { invalid: { code: number; message: string } }
  /** Answered with a JSON-RPC -32602 for the call naming it; nothing of the body runs. */
  | { unknown: { id: unknown; name: string; ids: unknown[] } }
  /** HTTP 403 `insufficient_scope` for these calls; nothing of the body runs. `ids` are every request's of the body. */
  | { challenged: { calls: [Challenged, ...Challenged[]]; ids: unknown[] } }
  /** Go on: each tools/call of the body, by JSON-RPC id, decided or refused. */
  | { admitted: Map<RequestId, Admitted> };

/** A call answered with the scope challenge. */
export interface Challenged {
  id: RequestId;
  denied: Denied;
}

const isRequest = (m: Json): boolean => typeof m.method === 'string' && 'id' in m;

export async function preflight(
  body: unknown,
  protocol: string,
  caller: Authenticated,
  deps: PreflightDeps,
): Promise<Preflight> {
  const batch = Array.isArray(body);
  if (batch && protocol >= NO_BATCH_SINCE)
    return {
      invalid: {
        code: -32600,
        message: `json-rpc batches are not part of mcp \`${protocol}\`; send one message per request`,
      },
    };
  // JSON-RPC 2.0 §6: an empty array is an invalid request, answered with one error.
  if (batch && body.length === 0)
    return { invalid: { code: -32600, message: 'an empty json-rpc batch is not a request' } };
  if (batch && body.length > MAX_BATCH)
    return {
      invalid: {
        code: -32600,
        message: `a json-rpc batch holds at most ${MAX_BATCH} messages; this one has ${body.length}`,
      },
    };
  const all: unknown[] = batch ? body : [body];
  const messages = all.filter(
    (m): m is Json => typeof m === 'object' && m !== null && !Array.isArray(m),
  );
  const requestIds = messages.filter(isRequest).map((m) => m.id);
  // INVARIANT: a call's decision is handed to its handler by its id, so ids must be unique.
  if (new Set(requestIds).size !== requestIds.length)
    return { invalid: { code: -32600, message: 'the requests of a batch need distinct ids' } };
  const admitted = new Map<RequestId, Admitted>();
  if (!all.every((m) => JSONRPCMessageSchema.safeParse(m).success)) return { admitted };
  const calls: CallRequest[] = [];
  for (const m of messages) {
    const call = CallToolRequestSchema.safeParse(m);
    if (!call.success || !isJSONRPCRequest(m)) continue;
    const { name, arguments: args } = call.data.params;
    calls.push({ ...caller, id: m.id, name, arguments: args ?? {} });
  }
  const resolved: ResolvedCall[] = [];
  for (const c of calls) {
    const r = await resolve(c, deps);
    if ('end' in r) return { unknown: { id: r.end.id, name: r.end.name, ids: requestIds } };
    resolved.push(r.next);
  }
  const challenged: Challenged[] = [];
  const ungrantedFirst = [
    ...resolved.filter((c) => !c.tool.granted),
    ...resolved.filter((c) => c.tool.granted),
  ];
  for (const c of ungrantedFirst) {
    if (c.tool.granted && challenged.length > 0) break;
    const decided = await decide(c, deps);
    if ('end' in decided && isScopeChallenge(decided.end))
      challenged.push({ id: c.id, denied: decided.end });
    else admitted.set(c.id, { name: c.name, decided });
  }
  const [first, ...rest] = challenged;
  if (first) return { challenged: { calls: [first, ...rest], ids: requestIds } };
  return { admitted };
}
