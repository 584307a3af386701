import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  ResultSchema,
  type ClientCapabilities,
  type LoggingLevel,
  type Notification,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { callerOf } from '../core/caller.js';
import type { Principal } from '../task-token-verifier.js';
import type { CallSession, InflightRoute } from './tool-call/context.js';
import type { Namer } from './naming.js';
import type { CallerContext, GatewayLog } from './ports.js';
import type { SessionLink, Upstream } from './upstreams.js';

/**
 * One downstream MCP session: a low-level SDK `Server` on its own Streamable HTTP transport,
 * bound to the client that opened it (`admit`), and its connections to the upstreams it has
 * used (opened on first use with the caller's credential, closed with the session).
 */

/** How many tokens a session remembers having moved on from (older ones are refused by `iat` too). */
const MAX_SUPERSEDED = 64;

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** How a newer token was admitted: `refresh` (the same task) or `step_up` (another task of the same grant). */
export type Admission = 'same' | 'refresh' | 'step_up';

/** Ends the upstream's own session too (HTTP DELETE), so it does not wait for its idle timeout; a stdio child is stopped. */
async function closeUpstream(client: Client): Promise<void> {
  const t = client.transport;
  if (t instanceof StreamableHTTPClientTransport) await t.terminateSession().catch(() => undefined);
  await client.close();
}

export type SessionEndReason =
  'client' | 'idle' | 'revoked' | 'task_ended' | 'shutdown' | 'upstream_error';

export interface SessionDeps {
  upstream(name: string): Upstream | undefined;
  /** An upstream said its tools changed: the gateway lists them again and tells every session once the catalog has them. */
  toolsChanged(upstream: string): void;
  namer: Namer;
  log: () => GatewayLog;
}

export class GatewaySession implements CallSession {
  readonly id: string;
  readonly agent: string;
  readonly server: Server;
  readonly transport: StreamableHTTPServerTransport;
  readonly startedAt: number;
  /** The token of the latest request: the caller whose credential new upstream requests carry. */
  principal: Principal;
  requestId: string | null = null;
  lastSeen: number;
  readonly #deps: SessionDeps;
  readonly #clients = new Map<string, Promise<Client>>();
  readonly #inflight = new Map<string, InflightRoute[]>();
  /** jtis of the tokens this session moved on from, oldest first: never admitted again. */
  readonly #superseded: string[] = [];
  #logLevel: LoggingLevel | undefined;
  #closed = false;

  constructor(opts: {
    id: string;
    principal: Principal;
    server: Server;
    transport: StreamableHTTPServerTransport;
    now: number;
    deps: SessionDeps;
  }) {
    this.id = opts.id;
    this.principal = opts.principal;
    this.agent = opts.principal.actor;
    this.server = opts.server;
    this.transport = opts.transport;
    this.startedAt = opts.now;
    this.lastSeen = opts.now;
    this.#deps = opts.deps;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The task of the session's latest token. */
  get taskId(): string {
    return this.principal.taskId;
  }

  /**
   * Whether `p` may use this session, and if so the session moves on to it (its scopes from
   * then on). Admitted: the current token; a newer token of the same task and acting agent (a
   * refresh); a newer token of another task when it is the same client (acting agent and actor
   * chain) acting for the same human under the same grant — the MCP step-up, where a client
   * re-authorizes after a 403 `insufficient_scope` and resends on the same session. Any other
   * change of principal is refused. A session never goes back: a token it moved on from, or
   * one issued before its current token, is refused, so one session is never used by two
   * tokens in turn (and a narrowed or abandoned older token cannot take it back).
   *
   * @example if (session.admit(principal) === undefined) refuse403()
   */
  admit(p: Principal): Admission | undefined {
    const current = this.principal;
    if (p.jti === current.jti) return 'same';
    if (p.actor !== this.agent || !sameList(p.actors, current.actors)) return undefined;
    if (this.#superseded.includes(p.jti) || p.issuedAt < current.issuedAt) return undefined;
    let how: Admission;
    if (p.taskId === current.taskId) how = 'refresh';
    else if (
      current.grantId !== null &&
      p.grantId === current.grantId &&
      current.onBehalfOf !== null &&
      p.onBehalfOf === current.onBehalfOf
    )
      how = 'step_up';
    else return undefined;
    this.#superseded.push(current.jti);
    if (this.#superseded.length > MAX_SUPERSEDED) this.#superseded.shift();
    this.principal = p;
    return how;
  }

  touch(requestId: string | null, now: number): void {
    this.requestId = requestId;
    this.lastSeen = now;
  }

  /** Upstreams this session has a connection to (or is opening one to). */
  get connectedUpstreams(): string[] {
    return [...this.#clients.keys()];
  }

  client(upstream: string): Promise<Client> {
    if (this.#closed) return Promise.reject(new Error('the session is closed'));
    let c = this.#clients.get(upstream);
    if (!c) {
      const u = this.#deps.upstream(upstream);
      if (!u) return Promise.reject(new Error(`no upstream \`${upstream}\``));
      c = u.connect(this.#link()).then(async (client) => {
        if (this.#closed) {
          await client.close();
          throw new Error('the session is closed');
        }
        if (this.#logLevel && client.getServerCapabilities()?.logging)
          await client.setLoggingLevel(this.#logLevel).catch(() => undefined);
        return client;
      });
      // A failed connection is forgotten, so the next call tries again.
      c.catch(() => this.#clients.get(upstream) === c && this.#clients.delete(upstream));
      this.#clients.set(upstream, c);
    }
    return c;
  }

  async inflight<T>(upstream: string, route: InflightRoute, fn: () => Promise<T>): Promise<T> {
    const routes = this.#inflight.get(upstream) ?? [];
    routes.push(route);
    this.#inflight.set(upstream, routes);
    try {
      return await fn();
    } finally {
      routes.splice(routes.indexOf(route), 1);
      if (routes.length === 0) this.#inflight.delete(upstream);
    }
  }

  /** `logging/setLevel` from the agent: applied to every upstream connection, now and later. */
  async setLogLevel(level: LoggingLevel): Promise<void> {
    this.#logLevel = level;
    await Promise.all(
      [...this.#clients.values()].map(async (c) => {
        const client = await c.catch(() => undefined);
        if (client?.getServerCapabilities()?.logging)
          await client.setLoggingLevel(level).catch(() => undefined);
      }),
    );
  }

  /** A notification from the agent's client (roots/list_changed) to every upstream connection of the session. */
  async notifyUpstreams(notification: Notification): Promise<void> {
    await Promise.all(
      [...this.#clients.values()].map(async (c) => {
        const client = await c.catch(() => undefined);
        await client?.notification(notification as never).catch(() => undefined);
      }),
    );
  }

  caller(): CallerContext {
    return callerOf(this.principal, this.requestId);
  }

  #link(): SessionLink {
    return {
      caller: () => this.caller(),
      clientCapabilities: (): ClientCapabilities => this.server.getClientCapabilities() ?? {},
      // On the stream of the call in flight to that upstream (the latest, when several are), else on the session's own stream.
      forwardRequest: async (upstream, request, signal): Promise<Result> => {
        const route = this.#inflight.get(upstream)?.at(-1);
        if (route) return route.sendRequest(request, signal) as Promise<Result>;
        return this.server.request(request as never, ResultSchema, { signal });
      },
      forwardNotification: async (upstream, notification) => {
        if (notification.method === 'notifications/tools/list_changed')
          return this.#deps.toolsChanged(upstream);
        const n = this.#exposeNotification(upstream, notification);
        const route = this.#inflight.get(upstream)?.at(-1);
        if (route)
          return route.sendNotification(n as { method: string; params?: Record<string, unknown> });
        return this.server.notification(n as never);
      },
      closed: (upstream) => {
        this.#clients.delete(upstream);
      },
    };
  }

  #exposeNotification(upstream: string, n: Notification): Notification {
    const uri = n.params?.uri;
    if (n.method === 'notifications/resources/updated' && typeof uri === 'string')
      return {
        ...n,
        params: { ...n.params, uri: this.#deps.namer.exposeUri(upstream, uri) ?? uri },
      };
    return n;
  }

  /** Closes the upstream connections (ending stdio children) and the downstream transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.then(closeUpstream).catch(() => undefined)));
    await this.transport.close().catch(() => undefined);
  }
}
