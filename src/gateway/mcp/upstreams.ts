import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ResultSchema,
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
  type Notification,
  type Result,
  type ServerCapabilities,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { after, type CancelTimer, type Clock } from '../../core/clock.js';
import type { UpstreamConfig } from './config.js';
import { httpUpstreamAuth, stdioUpstreamEnv, systemCaller } from './credentials.js';
import type { BrokerPort, CallerContext, GatewayLog } from './ports.js';

/**
 * The upstream MCP servers. Each has one discovery connection, opened at start with no caller,
 * that lists its tools (every page) for the catalog and follows `notifications/tools/list_changed`;
 * and, per downstream session that uses it, one connection carrying that caller's credential
 * (for a stdio upstream, one child process per session: a process per agent session is the
 * price of per-caller credentials in the child's environment).
 */

const CLIENT_INFO = { name: 'mandate-gateway', version: '0.1.0' };
const MAX_PAGES = 100;
const RETRY_MAX_MS = 60_000;

/** How a session's upstream connection reaches the downstream client. */
export interface SessionLink {
  /** The caller as of the session's latest request (tokens are refreshed within a task). */
  caller(): CallerContext;
  /** What the downstream client declared (sampling, elicitation, roots): mirrored upstream. */
  clientCapabilities(): ClientCapabilities;
  /** A request from the upstream to the downstream client during a call (sampling, elicitation, roots/list). */
  forwardRequest(
    upstream: string,
    request: { method: string; params?: Record<string, unknown> },
    signal: AbortSignal,
  ): Promise<Result>;
  forwardNotification(upstream: string, notification: Notification): Promise<void>;
  /** The upstream connection closed on its own (the child exited, the server went away). */
  closed(upstream: string): void;
}

export interface UpstreamDeps {
  broker: () => BrokerPort | undefined;
  /** The reconnect backoff runs on its timers (a ManualClock fires them on advance). */
  clock: Clock;
  nowSeconds: () => number;
  log: () => GatewayLog;
  /** The tools changed (first listing included). */
  onTools: (upstream: Upstream) => Promise<void>;
}

export class Upstream {
  readonly config: UpstreamConfig;
  readonly #deps: UpstreamDeps;
  #tools: Tool[] = [];
  #capabilities: ServerCapabilities | undefined;
  #discovery: Client | null = null;
  #retry: CancelTimer | undefined;
  #attempt = 0;
  #closed = false;
  #error: string | null = null;

  constructor(config: UpstreamConfig, deps: UpstreamDeps) {
    this.config = config;
    this.#deps = deps;
  }

  get name(): string {
    return this.config.name;
  }

  /** The upstream's tools as its `tools/list` gave them, or none before the first listing. */
  get tools(): readonly Tool[] {
    return this.#tools;
  }

  get capabilities(): ServerCapabilities | undefined {
    return this.#capabilities;
  }

  get status(): { ready: boolean; error: string | null } {
    return { ready: this.#discovery !== null, error: this.#error };
  }

  /** Connects the discovery client and lists the tools; on failure, retries in the background with backoff. */
  async start(): Promise<void> {
    try {
      await this.#discover();
    } catch (err) {
      this.#error = err instanceof Error ? err.message : String(err);
      this.#deps
        .log()
        .warn({ upstream: this.name, err: this.#error }, 'mcp upstream unavailable; retrying');
      this.#scheduleRetry();
    }
  }

  async #discover(): Promise<void> {
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      void this.refreshTools().catch((err: unknown) =>
        this.#deps
          .log()
          .warn({ upstream: this.name, err: String(err) }, 'mcp upstream tools refresh failed'),
      );
    });
    client.onclose = () => {
      if (this.#discovery !== client || this.#closed) return;
      this.#discovery = null;
      this.#deps
        .log()
        .warn({ upstream: this.name }, 'mcp upstream discovery connection closed; reconnecting');
      this.#scheduleRetry();
    };
    await client.connect(await this.#transport(() => systemCaller(this.#deps.nowSeconds()), true), {
      timeout: this.config.timeoutMs,
    });
    if (this.#closed) {
      await client.close();
      return;
    }
    this.#discovery = client;
    this.#capabilities = client.getServerCapabilities();
    this.#error = null;
    this.#attempt = 0;
    await this.refreshTools();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry) return;
    const delay = Math.min(RETRY_MAX_MS, 500 * 2 ** this.#attempt++);
    // Never keeps the process alive (see `after`).
    this.#retry = after(this.#deps.clock, delay, () => {
      this.#retry = undefined;
      void this.start();
    });
  }

  /** Lists the tools again (every page) and reports them. */
  async refreshTools(): Promise<void> {
    const client = this.#discovery;
    if (!client || !this.#capabilities?.tools) {
      this.#tools = [];
    } else {
      const tools: Tool[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await client.listTools(cursor === undefined ? {} : { cursor }, {
          timeout: this.config.timeoutMs,
        });
        tools.push(...r.tools);
        cursor = r.nextCursor;
        if (cursor === undefined) break;
      }
      this.#tools = tools;
    }
    await this.#deps.onTools(this);
  }

  /** A connection for one downstream session, carrying its caller's credential. */
  async connect(link: SessionLink): Promise<Client> {
    const client = new Client(CLIENT_INFO, { capabilities: link.clientCapabilities() });
    // Server→client requests (sampling, elicitation, roots/list, anything newer) go to the
    // downstream client unchanged; so do notifications (logging, resource updates, list changes).
    client.fallbackRequestHandler = async (request, extra) =>
      link.forwardRequest(
        this.name,
        { method: request.method, ...(request.params ? { params: request.params } : {}) },
        extra.signal,
      );
    client.fallbackNotificationHandler = async (notification) =>
      link.forwardNotification(this.name, notification);
    client.onclose = () => link.closed(this.name);
    await client.connect(await this.#transport(link.caller), {
      timeout: this.config.timeoutMs,
    });
    return client;
  }

  /**
   * `discovery`: the connection that lists tools at start, with no caller. It asks the broker as
   * `system` and goes on without the credential when the broker has none to give (a secret not
   * stored yet, a provider that needs a real caller), so listing does not wait on the operator.
   */
  async #transport(caller: () => CallerContext, discovery = false): Promise<Transport> {
    const u = this.config;
    const withFallback = async <T>(
      withCredential: () => Promise<T>,
      without: () => Promise<T>,
    ): Promise<T> => {
      if (!discovery) return withCredential();
      try {
        return await withCredential();
      } catch (err) {
        this.#deps
          .log()
          .warn(
            { upstream: u.name, err: err instanceof Error ? err.message : String(err) },
            'mcp upstream discovery goes on without its credential',
          );
        return without();
      }
    };
    if (u.transport === 'stdio') {
      const { credential: _c, identity: _i, ...bare } = u;
      const env = await withFallback(
        () => stdioUpstreamEnv(u, this.#deps.broker(), caller()),
        () => stdioUpstreamEnv(bare, undefined, caller()),
      );
      const t = new StdioClientTransport({
        command: u.command,
        args: u.args ?? [],
        env,
        ...(u.cwd ? { cwd: u.cwd } : {}),
        stderr: 'pipe',
      });
      // The child's stderr goes to the debug log only: it may print what it was given.
      t.stderr?.on('data', (chunk: Buffer) =>
        this.#deps
          .log()
          .debug(
            { upstream: u.name, stderr: chunk.toString('utf8').slice(0, 2000) },
            'mcp upstream stderr',
          ),
      );
      return t;
    }
    const broker = this.#deps.broker;
    // Every upstream HTTP request gets the caller's credential afresh (the broker caches); the
    // SDK builds the request from MCP's own headers only, so nothing of the agent's request is in it.
    const { credential: _c, identity: _i, ...bare } = u;
    const injecting: FetchLike = async (url, init) => {
      const auth = await withFallback(
        () => httpUpstreamAuth(u, broker(), caller()),
        () => httpUpstreamAuth(bare, undefined, caller()),
      );
      const target = new URL(url);
      for (const [k, v] of Object.entries(auth.query)) target.searchParams.set(k, v);
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(auth.headers)) headers.set(k, v);
      return fetch(target, { ...init, headers });
    };
    return new StreamableHTTPClientTransport(new URL(u.url), { fetch: injecting });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#retry?.();
    this.#retry = undefined;
    const client = this.#discovery;
    this.#discovery = null;
    const t = client?.transport;
    if (t instanceof StreamableHTTPClientTransport)
      await t.terminateSession().catch(() => undefined);
    await client?.close().catch(() => undefined);
  }
}

/** A generic result schema for relaying results unchanged. */
export const AnyResult = ResultSchema;
