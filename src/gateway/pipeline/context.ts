import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { Principal } from '../task-token-verifier.js';
import type { Namer } from '../mcp/naming.js';
import type { ApprovalPort, DecisionPort, GatewayLog } from '../mcp/ports.js';

/**
 * The state of one `tools/call` as it goes through the pipeline (./call-tool.ts). Each step
 * reads what the steps before it set and either lets the call go on or ends it with a result.
 */
export interface ToolCall {
  /** The verified token of the HTTP request that carried this call. */
  principal: Principal;
  session: CallSession;
  /** The name the agent called (`<server>__<tool>`). */
  exposedName: string;
  arguments: Record<string, unknown>;
  /** The downstream request's `_meta` (its progress token is replaced when relayed). */
  meta: Record<string, unknown> | undefined;
  requestId: string | null;
  signal: AbortSignal;
  /** Relays one upstream progress notification to the downstream client, when it asked for progress. */
  onProgress: ((p: { progress: number; total?: number; message?: string }) => void) | undefined;
  /** A decision already made for this call at the HTTP front (the scope challenge), used instead of deciding again. */
  predecided?: AuthorizeResult | undefined;
  /** Set by `resolve`. */
  target?: { server: string; tool: string; toolId: string };
  /** Set by `decide` (and again by `approval` when an approval was consumed). */
  decision?: AuthorizeResult;
}

/** What the pipeline needs of the downstream session the call arrived on. */
export interface CallSession {
  readonly id: string;
  readonly taskId: string;
  readonly agent: string;
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

export interface PipelineDeps {
  /** The gateway's resource identifier (the audience of the tokens it accepts). */
  resource: string;
  decisions(): DecisionPort;
  approvals(): ApprovalPort | undefined;
  /** A reason when the token (or its task, agent, grant, an ancestor) is revoked, else null. */
  revoked(p: Principal): string | null;
  namer: Namer;
  /** Whether `server` is a configured upstream. */
  hasUpstream(server: string): boolean;
  timeoutMs(server: string): number;
  log: GatewayLog;
  /** Rewrites the upstream's resource URIs in a result to their exposed form. */
  exposeResult(server: string, result: CallToolResult): CallToolResult;
}

/** A step either ends the call with a result (or throws an McpError) or lets it go on. */
export type StepOutcome = { done: CallToolResult } | undefined;

export type Step = (
  call: ToolCall,
  deps: PipelineDeps,
  route: InflightRoute,
) => Promise<StepOutcome>;
