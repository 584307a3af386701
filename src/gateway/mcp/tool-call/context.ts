import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { HeaderSource } from '../../../protocol/authorization-header.js';
import type { Authenticated, Decided, Incoming, Resolved } from '../../core/call.js';
import type { DecisionPointUnavailable, Denied } from '../../core/outcome.js';
import type { Authentication, CoreDeps } from '../../core/ports.js';
import type { End, Next } from '../../core/steps.js';
import type { Namer } from '../naming.js';
import type { DecisionPort, GatewayLog } from '../ports.js';

/**
 * The contexts of a call at the MCP gateway (./tool-call.ts), growing from the HTTP request to
 * the forwarded call: the core's (../../core/call.ts) plus what MCP needs to answer and forward.
 */

/** An HTTP request to /mcp: every method, before anything is checked. */
export interface McpRequest extends Incoming {
  readonly method: string;
  readonly headers: HeaderSource;
  /** The scopes the request needs, for the challenge of a refusal (../challenge-scope.ts). */
  readonly scope?: string | undefined;
}

/** One `tools/call` of an authenticated request's body, as the SDK's schema reads it. */
export interface CallRequest extends Authenticated {
  readonly id: RequestId;
  /** The name the agent called (`<server>__<tool>`). */
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** A call resolved to the upstream that serves it and its own name there. */
export interface ResolvedCall extends CallRequest, Resolved {
  readonly upstream: { readonly server: string; readonly tool: string };
}

/** What the HTTP front hands the session's tools/call handler for one call: the name it admitted and what `decide` answered. */
export interface Admitted {
  readonly name: string;
  readonly decided: Next<ResolvedCall & Decided> | End<Denied | DecisionPointUnavailable>;
}

/** What the pipeline needs of the downstream session the call arrived on. */
export interface CallSession {
  readonly id: string;
  /** The session's connection to `upstream`, opened with the caller's credential on first use. */
  client(upstream: string): Promise<Client>;
  /** Runs `fn` as the in-flight call to `upstream`, so that its server→client requests reach this call's stream. */
  inflight<T>(upstream: string, route: InflightRoute, fn: () => Promise<T>): Promise<T>;
}

/** How to reach the downstream client on the stream of the call in flight. */
export interface InflightRoute {
  sendRequest(
    request: { method: string; params?: Record<string, unknown> },
    signal: AbortSignal,
  ): Promise<Record<string, unknown>>;
  sendNotification(notification: {
    method: string;
    params?: Record<string, unknown>;
  }): Promise<void>;
}

/** The downstream request a call came in on, as its session's handler has it. */
export interface Downstream {
  readonly session: CallSession;
  readonly route: InflightRoute;
  /** The downstream request's `_meta` (its progress token is replaced when relayed). */
  readonly meta: Record<string, unknown> | undefined;
  readonly signal: AbortSignal;
  /** Relays one upstream progress notification to the downstream client, when it asked for progress. */
  readonly onProgress:
    ((p: { progress: number; total?: number; message?: string }) => void) | undefined;
}

/** A decided call in its session's handler. */
export interface HandledCall extends ResolvedCall, Decided, Downstream {}

export interface McpDeps extends CoreDeps {
  /** The request's task token for the gateway's resource (src/protocol/authenticate.ts), revocation left to the next step. */
  authenticate(request: McpRequest): Promise<Authentication>;
  /** The decision service with what the gateway needs besides `authorize` (previews, resources and prompts). */
  decisions(): DecisionPort;
  namer: Namer;
  /** Whether `server` lists `tool` (the upstream's own name) now and the catalog took it in. */
  lists(server: string, tool: string): boolean;
  timeoutMs(server: string): number;
  readonly log: GatewayLog;
  /** Rewrites the upstream's resource URIs in a result to their exposed form. */
  exposeResult(server: string, result: CallToolResult): CallToolResult;
}
