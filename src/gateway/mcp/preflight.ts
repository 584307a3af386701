import {
  SUPPORTED_PROTOCOL_VERSIONS,
  LATEST_PROTOCOL_VERSION,
} from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { Principal } from '../task-token-verifier.js';
import type { DecisionFacts } from '../pipeline/results.js';
import { grantedByScopes } from '../pipeline/server-action.js';
import type { Namer } from './naming.js';

/**
 * What the HTTP front of /mcp checks in a POST body before the SDK transport sees it:
 * - JSON-RPC batches: removed from MCP in 2025-06-18, so refused on sessions that negotiated it
 *   or later; on older sessions each element goes through the same checks as a single message.
 * - `tools/call` names: a name that is not a tool the gateway exposes is answered -32602 here,
 *   so no caller-chosen name ever reaches a header or the decision point.
 * - the MCP "scope challenge": a call for a tool the token's scopes do not grant is decided (and
 *   audited) here, and a refusal becomes a 403 `insufficient_scope` naming the scope. When a
 *   policy allows it anyway, the decision is handed on to the pipeline instead of deciding twice.
 */

type Json = Record<string, unknown>;

/** The first MCP revision without JSON-RPC batching. */
export const NO_BATCH_SINCE = '2025-06-18';

/** The most messages one batch may hold: each call in it may be decided (and audited) here, so one request must not ask for thousands. */
export const MAX_BATCH = 100;

/** The protocol the SDK server answers an `initialize` with: the client's, when supported, else the latest. */
export function negotiatedProtocol(requested: unknown): string {
  return typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : LATEST_PROTOCOL_VERSION;
}

export interface PreflightDeps {
  namer: Namer;
  /** Whether `server` lists `tool` (the upstream's own name) now. */
  lists(server: string, tool: string): boolean;
  decide(input: {
    principal: Principal;
    toolId: string;
    arguments: Record<string, unknown>;
    requestId: string;
  }): Promise<AuthorizeResult>;
}

export type Preflight =
  /** HTTP 400 with this JSON-RPC error (the body as a whole is refused). */
  | { invalid: { code: number; message: string } }
  /** Answered with a JSON-RPC -32602 for the call naming it; nothing of the body runs. */
  | { unknown: { id: unknown; name: string; ids: unknown[] } }
  /** HTTP 403 `insufficient_scope` for these calls; nothing of the body runs. `ids` are every request's of the body. */
  | { refused: { calls: RefusedCall[]; ids: unknown[] } }
  /** Go on; `decided` holds decisions already made, by JSON-RPC id. */
  | { decided: Map<unknown, { name: string; result: AuthorizeResult }> };

export interface RefusedCall {
  id: unknown;
  scope: string;
  facts: DecisionFacts;
}

const isRequest = (m: Json): boolean => typeof m.method === 'string' && 'id' in m;

export async function preflight(
  body: unknown,
  protocol: string,
  principal: Principal,
  requestId: string,
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
  const messages = (batch ? body : [body]).filter(
    (m): m is Json => typeof m === 'object' && m !== null && !Array.isArray(m),
  );
  const requestIds = messages.filter(isRequest).map((m) => m.id);
  // INVARIANT: a decision made here is handed to the call with its id, so ids must be unique.
  if (new Set(requestIds).size !== requestIds.length)
    return { invalid: { code: -32600, message: 'the requests of a batch need distinct ids' } };
  const decided = new Map<unknown, { name: string; result: AuthorizeResult }>();
  const refused: RefusedCall[] = [];
  for (const m of messages) {
    if (m.method !== 'tools/call' || !('id' in m)) continue;
    const params = (typeof m.params === 'object' && m.params !== null ? m.params : {}) as Json;
    const name = params.name;
    // A malformed call is the SDK's to refuse (-32602 from its schema).
    if (typeof name !== 'string') continue;
    const r = deps.namer.resolveName(name);
    if (!r || !deps.lists(r.server, r.name) || deps.namer.exposeName(r.server, r.name) !== name)
      return { unknown: { id: m.id, name, ids: requestIds } };
    const toolId = `${r.server}/${r.name}`;
    const scope = `tool:${toolId}`;
    if (grantedByScopes(principal.scopes, scope)) continue;
    const args =
      typeof params.arguments === 'object' &&
      params.arguments !== null &&
      !Array.isArray(params.arguments)
        ? (params.arguments as Record<string, unknown>)
        : {};
    let d: AuthorizeResult;
    try {
      d = await deps.decide({ principal, toolId, arguments: args, requestId });
    } catch {
      continue; // the pipeline decides again and fails closed
    }
    if (d.outcome !== 'deny') {
      decided.set(m.id, { name, result: d });
      continue;
    }
    refused.push({
      id: m.id,
      scope,
      facts: {
        outcome: 'deny',
        decision_id: d.decisionId,
        reasons: d.reasons,
        policy_set_version: d.policySetVersion,
        error: 'insufficient_scope',
      },
    });
  }
  if (refused.length > 0) return { refused: { calls: refused, ids: requestIds } };
  return { decided };
}
