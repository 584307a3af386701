import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  ErrorCode,
  isInitializeRequest,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { every, type CancelTimer, type Clock } from '../../core/clock.js';
import { statusOf } from '../../core/error-codes.js';
import type { Store } from '../../core/store/index.js';
import type { PublishedKey } from '../../identity/keys/key-manager.js';
import { RequestAuthenticator } from '../../protocol/authenticate.js';
import type { DpopVerifier } from '../../protocol/dpop/verifier.js';
import { revocableOf, type RevocableToken } from '../../protocol/revocation.js';
import {
  checkServerTools,
  type McpToolDescription,
  type ToolAnnotation,
} from '../../policy/tool-catalog.js';
import type { Revoked, Unauthenticated, Unavailable } from '../core/outcome.js';
import { LocalTaskTokenVerifiers, type Principal } from '../task-token-verifier.js';
import { UPSTREAM_TIMEOUT_MS, type GatewayConfig } from './config.js';
import { boundedScope, requestScope } from './challenge-scope.js';
import { exposeToolResult } from './expose.js';
import { downstreamCapabilities, registerHandlers, type HandlerDeps } from './handlers.js';
import { GatewayMetrics, type MetricsRegistry } from './metrics.js';
import { Namer } from './naming.js';
import { negotiatedProtocol, preflight, type Challenged } from './preflight.js';
import type { ApprovalPort, BrokerPort, CatalogPort, DecisionPort, GatewayLog } from './ports.js';
import { silentLog } from './ports.js';
import {
  METADATA_PATH,
  protectedResourceMetadata,
  type ProtectedResourceMetadata,
} from '../protected-resource.js';
import { authorizeServerAction, grantedByScopes, serverActionScope } from './server-action.js';
import { GatewaySession, type SessionEndReason } from './session.js';
import type { Admitted, McpDeps } from './tool-call/context.js';
import { DECISION_META, POLICY_REFUSED, scopeChallengeFacts } from './tool-call/results.js';
import { REQUEST } from './tool-call/tool-call.js';
import { Upstream } from './upstreams.js';

/**
 * The MCP gateway: Streamable HTTP at /mcp in front, the configured upstream MCP servers
 * behind, every request authenticated, every tool call through the enforcement core in the
 * order of ./tool-call/tool-call.ts. The HTTP route hands it the raw request and response
 * (src/server/handlers/gateway.ts).
 */

/** What the gateway needs of a running Mandate (the composition passes itself). */
export interface GatewayHost {
  readonly clock: Clock;
  readonly store: Store;
  readonly decisions: DecisionPort;
  readonly revocations: { check(t: RevocableToken): string | null };
  readonly keys: { published(purpose: 'token'): Promise<PublishedKey[]> };
  readonly dpop: DpopVerifier;
  readonly tasks: { onFinish(listener: (taskId: string) => void): void };
  readonly approvals?: ApprovalPort | undefined;
  readonly broker?: BrokerPort | undefined;
  readonly catalog?: CatalogPort | undefined;
  readonly metrics?: { registry: MetricsRegistry } | undefined;
}

export interface GatewaySettings {
  issuer: string;
  /** The server-wide `dpopRequired`, the default of `gateway.dpopRequired`. */
  dpopRequired: boolean;
  gateway: GatewayConfig;
}

const SWEEP_MS = 5000;

type Json = Record<string, unknown>;

function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

const scopeParam = (scope: string | undefined) => (scope === undefined ? {} : { scope });

const rpcError = (code: number, message: string, id: unknown = null, data?: unknown) => ({
  jsonrpc: '2.0',
  id,
  error: { code, message, ...(data === undefined ? {} : { data }) },
});
/** The answer to a request of a batch that was refused as a whole because of another of its calls. */
const notRun = (id: unknown) =>
  rpcError(-32000, 'not run: another call of this batch was refused', id);

export class McpGateway {
  readonly resource: string;
  /** The public URL of /mcp. */
  readonly endpoint: string;
  readonly metadataUrl: string;
  readonly #settings: GatewaySettings;
  readonly #host: GatewayHost;
  readonly #upstreams: Upstream[];
  readonly #namer: Namer;
  readonly #auth: RequestAuthenticator;
  readonly #sessions = new Map<string, GatewaySession>();
  /** The MCP protocol each session negotiated at initialize (what its later requests are held to). */
  readonly #protocols = new WeakMap<GatewaySession, string>();
  readonly #deps: McpDeps;
  readonly #handlerDeps: HandlerDeps;
  readonly #metrics: GatewayMetrics | undefined;
  readonly #dpopRequired: boolean;
  readonly #origins: Set<string>;
  #sweep: CancelTimer | undefined;
  #log: GatewayLog = silentLog;
  #closing = false;

  private constructor(settings: GatewaySettings, host: GatewayHost) {
    const g = settings.gateway;
    this.#settings = settings;
    this.#host = host;
    this.endpoint = `${settings.issuer}/mcp`;
    this.resource = g.resource ?? this.endpoint;
    this.metadataUrl = `${settings.issuer}${METADATA_PATH}`;
    this.#dpopRequired = g.dpopRequired ?? settings.dpopRequired;
    this.#origins = new Set(g.allowedOrigins ?? [new URL(settings.issuer).origin]);
    this.#namer = new Namer(
      g.upstreams.map((u) => ({ name: u.name, namespaced: u.namespace !== false })),
    );
    this.#upstreams = g.upstreams.map(
      (config) =>
        new Upstream(config, {
          broker: () => host.broker,
          clock: host.clock,
          nowSeconds: () => host.clock.now() / 1000,
          log: () => this.#log,
          onTools: (u) => this.#toolsChanged(u),
        }),
    );
    const verifiers = new LocalTaskTokenVerifiers({
      issuer: settings.issuer,
      clock: host.clock,
      publishedKeys: () => host.keys.published('token'),
      // No revocation hook: revocation is every request's next step (../core/revocation.ts), checked once, there.
    });
    // Every request, initialize included: a task token for the gateway's resource (RFC 8707 /
    // RFC 9068), DPoP (RFC 9449 §7) for a bound token; refusals carry RFC 9728
    // `resource_metadata` so a client can discover where to get a token.
    const auth = new RequestAuthenticator({
      verifier: verifiers.for(this.resource),
      dpop: host.dpop,
      requireDpop: this.#dpopRequired,
      resourceMetadata: this.metadataUrl,
    });
    this.#auth = auth;
    this.#metrics = host.metrics ? new GatewayMetrics(host.metrics.registry) : undefined;
    const log = () => this.#log;
    this.#deps = {
      // The request authenticator; revocation is left to the next step (see `verifiers`).
      authenticate: (r) =>
        auth.authenticate({
          method: r.method,
          url: this.endpoint,
          headers: r.headers,
          scope: r.scope,
        }),
      decisions: () => host.decisions,
      approvals: () => host.approvals,
      revoked: (p) => host.revocations.check(revocableOf(p)),
      namer: this.#namer,
      // Exposed as tools/list would show it: listed by its upstream and taken into the catalog (whose names are header-safe).
      lists: (server, tool) =>
        this.#upstreams.some((u) => u.name === server && u.tools.some((t) => t.name === tool)) &&
        host.decisions.catalog.get(`${server}/${tool}`) !== undefined,
      timeoutMs: (s) =>
        this.#upstreams.find((u) => u.name === s)?.config.timeoutMs ?? UPSTREAM_TIMEOUT_MS,
      get log() {
        return log();
      },
      exposeResult: (server, r: CallToolResult) => exposeToolResult(this.#namer, server, r),
    };
    this.#handlerDeps = {
      namer: this.#namer,
      upstreams: () => this.#upstreams,
      enforcement: this.#deps,
      visibleTools: (p) => this.visibleTools(p),
      mayList: (p, kind, server, target) =>
        grantedByScopes(p.scopes, serverActionScope(kind, server, target)),
      authorizeServerAction: (principal, action, server, target, requestId, args) =>
        authorizeServerAction(this.#deps, {
          principal,
          action,
          server,
          target,
          requestId,
          ...(args ? { arguments: args } : {}),
          exposed:
            (action === 'read_resource'
              ? this.#namer.exposeUri(server, target)
              : this.#namer.exposeName(server, target)) ?? target,
        }),
      onToolCall: (outcome, seconds) => this.#metrics?.toolCall(outcome, seconds),
    };
  }

  /** Builds the gateway and lists every upstream's tools into the catalog (an unreachable upstream is retried in the background). */
  static async start(settings: GatewaySettings, host: GatewayHost): Promise<McpGateway> {
    const gw = new McpGateway(settings, host);
    await Promise.all(gw.#upstreams.map((u) => u.start()));
    host.tasks.onFinish((taskId) => void gw.#closeWhere((s) => s.taskId === taskId, 'task_ended'));
    gw.#sweep = every(host.clock, SWEEP_MS, () => void gw.#sweepSessions());
    return gw;
  }

  /** Logs through `log` from now on (the HTTP server's logger). */
  useLogger(log: GatewayLog): void {
    this.#log = log;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  upstreamStatus(): Record<string, { ready: boolean; error: string | null; tools: number }> {
    return Object.fromEntries(
      this.#upstreams.map((u) => [u.name, { ...u.status, tools: u.tools.length }]),
    );
  }

  metadata(): ProtectedResourceMetadata {
    const scopes = this.#upstreams.flatMap((u) => u.tools.map((t) => `tool:${u.name}/${t.name}`));
    return protectedResourceMetadata({
      resource: this.resource,
      name: 'Mandate MCP gateway',
      issuer: this.#settings.issuer,
      scopes,
      dpopRequired: this.#dpopRequired,
      dpopAlgs: this.#host.dpop.algorithms,
    });
  }

  /** The tools `principal` may call now (allow or approval_required), in their exposed form. */
  async visibleTools(principal: Principal): Promise<Tool[]> {
    const decisions = this.#host.decisions;
    const out: Tool[] = [];
    for (const u of this.#upstreams) {
      for (const t of u.tools) {
        const name = this.#namer.exposeName(u.name, t.name);
        if (name === undefined) continue;
        const toolId = `${u.name}/${t.name}`;
        // A tool the catalog left out is unknown to policy, so it is never callable: not listed.
        if (!decisions.catalog.get(toolId)) continue;
        // A preview failing hides the tool: the list never shows more than a decision would allow.
        const d = await decisions
          .preview({ principal, toolId, arguments: {} })
          .catch(() => undefined);
        if (d !== undefined && d.outcome !== 'deny') out.push({ ...t, name });
      }
    }
    return out;
  }

  /** Serves one HTTP request to /mcp (POST, GET or DELETE). `body` is the parsed JSON of a POST. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    requestId: string,
  ): Promise<void> {
    if (this.#closing)
      return writeJson(
        res,
        statusOf('unavailable'),
        rpcError(-32000, 'the gateway is shutting down'),
      );
    // MCP transport security: refuse browser requests from other origins (DNS rebinding).
    const origin = req.headers.origin;
    if (typeof origin === 'string' && !this.#origins.has(origin))
      return writeJson(
        res,
        statusOf('forbidden'),
        rpcError(-32000, `origin \`${origin.slice(0, 200)}\` is not allowed`),
      );
    const scope = this.#requestScope(body);
    const caller = await REQUEST.run(
      {
        resource: this.resource,
        requestId,
        method: req.method ?? 'GET',
        headers: req.headersDistinct,
        scope,
      },
      this.#deps,
    );
    if ('end' in caller) return this.#refuse(res, caller.end, scope);
    const principal = caller.next.principal;
    const now = this.#host.clock.now();
    const sid = req.headers['mcp-session-id'];
    let session: GatewaySession | undefined;
    if (typeof sid === 'string') {
      session = this.#sessions.get(sid);
      if (!session)
        return writeJson(
          res,
          statusOf('not_found'),
          rpcError(-32001, 'session not found; initialize a new session'),
        );
      const previous = session.principal;
      const admission = session.admit(principal);
      if (admission === undefined)
        return writeJson(
          res,
          statusOf('forbidden'),
          rpcError(
            -32000,
            'this session is bound to another task or agent; initialize a new session with this token',
          ),
        );
      if (admission === 'step_up')
        await this.#audit('gateway.session_step_up', principal, session.id, requestId, {
          from: { task: previous.taskId, jti: previous.jti, scopes: previous.scopes },
          grant: principal.grantId,
          scopes: principal.scopes,
        });
    } else if (req.method === 'POST' && isInitializeRequest(body)) {
      if (this.#sessions.size >= this.#settings.gateway.maxSessions)
        return writeJson(
          res,
          statusOf('unavailable'),
          rpcError(-32000, 'too many mcp sessions; try again later'),
          { 'retry-after': '30' },
        );
      session = this.#newSession(principal, body.params.clientInfo, requestId);
      this.#protocols.set(session, negotiatedProtocol(body.params.protocolVersion));
    } else {
      return writeJson(
        res,
        statusOf('invalid_request'),
        rpcError(-32000, 'bad request: an mcp-session-id header is required (initialize first)'),
      );
    }
    let admitted: Map<unknown, Admitted> | undefined;
    if (req.method === 'POST') {
      const checked = await preflight(
        body,
        this.#protocols.get(session) ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
        caller.next,
        this.#deps,
      );
      if ('invalid' in checked)
        return writeJson(
          res,
          statusOf('invalid_request'),
          rpcError(checked.invalid.code, checked.invalid.message),
        );
      if ('unknown' in checked) {
        const { id, name, ids } = checked.unknown;
        const unknown = rpcError(
          ErrorCode.InvalidParams,
          `unknown tool \`${name.slice(0, 200)}\``,
          id,
        );
        return writeJson(
          res,
          200,
          Array.isArray(body) ? ids.map((i) => (i === id ? unknown : notRun(i))) : unknown,
        );
      }
      if ('challenged' in checked) {
        const { calls, ids } = checked.challenged;
        const answer = (c: Challenged) =>
          rpcError(
            POLICY_REFUSED,
            `mandate denied \`${c.denied.tool.toolId}\`: the task token's scopes do not grant it (decision ${c.denied.decision.decisionId})`,
            c.id,
            { [DECISION_META]: scopeChallengeFacts(c.denied) },
          );
        const payload = Array.isArray(body)
          ? ids.map((i) => {
              const c = calls.find((x) => x.id === i);
              return c ? answer(c) : notRun(i);
            })
          : answer(calls[0]);
        return writeJson(res, statusOf('insufficient_scope'), payload, {
          'www-authenticate': this.#auth.challenge({
            scheme: caller.next.scheme,
            code: 'insufficient_scope',
            description: "the token's scopes do not grant this tool",
            // RFC 6750 §3.1: the scopes of this request's refused calls, not those already granted (bounded).
            ...scopeParam(boundedScope(calls.map((c) => c.denied.tool.scope))),
          }),
        });
      }
      admitted = checked.admitted;
    }
    session.touch(requestId, now);
    const auth = {
      token: '',
      clientId: principal.clientId,
      scopes: principal.scopes,
      expiresAt: principal.expiresAt,
      // The SDK's channel from the HTTP front to the handlers: who is calling, and each tools/call as the front decided it.
      extra: { principal, requestId, admitted },
    };
    await session.transport.handleRequest(Object.assign(req, { auth }), res, body);
  }

  /** The scopes a request needs, for its 401 challenge (./challenge-scope.ts). */
  #requestScope(body: unknown): string | undefined {
    return requestScope(body, {
      namer: this.#namer,
      lists: this.#deps.lists,
      upstreams: () => this.#upstreams.map((u) => u.name),
    });
  }

  /** A request refused before anything else: no usable token (401), a revoked one (401), or none could be checked (503). */
  #refuse(
    res: ServerResponse,
    r: Unauthenticated | Revoked | Unavailable,
    scope: string | undefined,
  ): void {
    if (r.kind === 'unavailable')
      return writeJson(
        res,
        statusOf('unavailable'),
        rpcError(-32000, 'mandate could not verify the task token, and the gateway fails closed'),
        { 'retry-after': '1' },
      );
    // A revoked token is refused as the authenticator words it: the same refusal at every enforcement point.
    const e =
      r.kind === 'unauthenticated'
        ? r.refusal
        : this.#auth.refusal('invalid_token', `the token is revoked: ${r.reason}`, r.scheme, {
            ...scopeParam(scope),
          });
    writeJson(res, statusOf(e.code), e.body(), e.headers());
  }

  #newSession(
    principal: Principal,
    clientInfo: { name?: string; version?: string } | undefined,
    requestId: string,
  ): GatewaySession {
    const id = randomUUID();
    const caps = downstreamCapabilities(this.#upstreams);
    const server = new Server(
      { name: 'mandate-gateway', version: '0.1.0' },
      {
        capabilities: caps,
        instructions:
          'Tools of several MCP servers, each named `<server>__<tool>`. Every call is authorized by Mandate; a refused call returns an error result saying why.',
      },
    );
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: async () => {
        this.#sessions.set(id, session);
        this.#metrics?.sessions.set(this.#sessions.size);
        await this.#audit('gateway.session_start', principal, id, requestId, {
          client: clientInfo
            ? { name: clientInfo.name ?? null, version: clientInfo.version ?? null }
            : null,
        });
      },
      onsessionclosed: async () => {
        await this.#end(session, 'client');
      },
    });
    const session = new GatewaySession({
      id,
      principal,
      server,
      transport,
      now: this.#host.clock.now(),
      deps: {
        upstream: (n) => this.#upstreams.find((u) => u.name === n),
        toolsChanged: (n) => this.#refreshTools(n),
        namer: this.#namer,
        log: () => this.#log,
      },
    });
    registerHandlers(server, session, this.#handlerDeps, caps);
    transport.onclose = () => void this.#end(session, 'client');
    void server.connect(transport);
    return session;
  }

  async #end(session: GatewaySession, reason: SessionEndReason): Promise<void> {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    this.#metrics?.sessions.set(this.#sessions.size);
    const upstreams = session.connectedUpstreams;
    await session.close();
    await this.#audit('gateway.session_end', session.principal, session.id, null, {
      reason,
      upstreams,
      seconds: Math.round((this.#host.clock.now() - session.startedAt) / 1000),
    }).catch((err: unknown) =>
      this.#log.error({ err: String(err) }, 'gateway session audit failed'),
    );
  }

  async #audit(
    action: 'gateway.session_start' | 'gateway.session_step_up' | 'gateway.session_end',
    p: Principal,
    sessionId: string,
    requestId: string | null,
    extra: Json,
  ): Promise<void> {
    await this.#host.store.transaction(async (tx) => {
      await tx.audit.append({
        actor: p.actor,
        action,
        target: `mcp_session:${sessionId}`,
        outcome: 'success',
        requestId,
        details: { session: sessionId, task: p.taskId, jti: p.jti, ...extra },
      });
    });
  }

  async #closeWhere(
    match: (s: GatewaySession) => boolean,
    reason: SessionEndReason,
  ): Promise<void> {
    await Promise.all([...this.#sessions.values()].filter(match).map((s) => this.#end(s, reason)));
  }

  /** Closes sessions idle too long or whose latest token was revoked (with their upstream connections). */
  async #sweepSessions(): Promise<void> {
    const now = this.#host.clock.now();
    const idleMs = this.#settings.gateway.sessionIdleSeconds * 1000;
    await this.#closeWhere((s) => now - s.lastSeen > idleMs, 'idle');
    await this.#closeWhere((s) => this.#deps.revoked(s.principal) !== null, 'revoked');
  }

  #refreshTools(name: string): void {
    const u = this.#upstreams.find((x) => x.name === name);
    void u
      ?.refreshTools()
      .catch((err: unknown) =>
        this.#log.warn({ upstream: name, err: String(err) }, 'mcp upstream tools refresh failed'),
      );
  }

  async #toolsChanged(u: Upstream): Promise<void> {
    const tools = u.tools as unknown as McpToolDescription[];
    const annotations = (u.config.annotations ?? {}) as Record<string, ToolAnnotation>;
    await this.#syncCatalog(u.name, tools, annotations);
    for (const s of this.#sessions.values())
      void s.server.sendToolListChanged().catch(() => undefined);
  }

  /**
   * Puts an upstream's tools into the catalog. A tool the catalog refuses (a name or schema it
   * does not accept) is left out and logged by name, and the rest go in; so is an annotation the
   * catalog refuses (its tool keeps the restrictive defaults) or one for a tool not listed.
   */
  async #syncCatalog(
    server: string,
    tools: McpToolDescription[],
    annotations: Record<string, ToolAnnotation>,
  ): Promise<void> {
    const check = checkServerTools(server, tools, annotations);
    for (const [what, results] of [
      ['tool', check.tools],
      ['tool annotation', check.annotations],
    ] as const)
      for (const r of results)
        if ('problems' in r)
          this.#log.warn(
            { upstream: server, tool: r.tool, problems: r.problems },
            `mcp upstream ${what} left out of the catalog`,
          );
    const { tools: list, annotations: notes } = check.accepted;
    if (this.#host.catalog)
      await this.#host.catalog.sync(server, list, { annotations: notes, actor: 'system' });
    else this.#host.decisions.catalog.upsertServerTools(server, list, notes);
  }

  /** Ends every session (their SSE streams included), so the HTTP server can close. */
  async closeSessions(reason: SessionEndReason = 'shutdown'): Promise<void> {
    this.#closing = true;
    await this.#closeWhere(() => true, reason);
  }

  async close(): Promise<void> {
    this.#sweep?.();
    await this.closeSessions();
    await Promise.all(this.#upstreams.map((u) => u.close()));
  }
}
