// An MCP host as Claude Code, VS Code or Cursor is one, built on the official MCP TypeScript SDK and
// nothing of Mandate: the SDK's `Client` and `StreamableHTTPClientTransport` with this file's own
// `OAuthClientProvider` (in-memory state, a loopback redirect per RFC 8252 §7.3, a `state` it
// checks itself) and the user agent a suite gives it (the human's browser).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  UnauthorizedError,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** What the host's user agent does with an authorization URL (a suite drives a browser with it). */
export type UserAgent = (authorizationUrl: URL) => Promise<void>;

/** One HTTP exchange the SDK made, MCP or OAuth, as the host saw it. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  wwwAuthenticate: string | null;
  /** The OAuth `error` of a token or registration endpoint's refusal. */
  oauthError?: string;
  /** The form a token request posted (`grant_type`, `refresh_token`, …). */
  form?: Record<string, string>;
  /** The JSON-RPC method an MCP request carried (`initialize`, `tools/call`, …). */
  rpcMethod?: string;
}

/** The loopback redirect of a native app (RFC 8252 §7.3): `http://127.0.0.1:<port>/callback`. */
class LoopbackRedirect {
  #server: Server;
  #waiting: ((url: URL) => void)[] = [];
  #arrived: URL[] = [];

  private constructor(
    server: Server,
    readonly url: string,
  ) {
    this.#server = server;
  }

  static async start(): Promise<LoopbackRedirect> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const self = new LoopbackRedirect(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    );
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', self.url);
      if (url.pathname !== '/callback') {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Signed in</title><p>You can close this window.</p>');
      const waiter = self.#waiting.shift();
      if (waiter) waiter(url);
      else self.#arrived.push(url);
    });
    return self;
  }

  /** The next redirect that reaches the host. */
  next(): Promise<URL> {
    const ready = this.#arrived.shift();
    return ready ? Promise.resolve(ready) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}

export interface McpHostOptions {
  /** The gateway's MCP endpoint. */
  mcpUrl: string;
  /** The host's client ID metadata document URL; without it the SDK registers (RFC 7591). */
  clientMetadataUrl?: string;
  clientName?: string;
  /** What the human's browser does with an authorization URL. */
  userAgent: UserAgent;
}

const scopesOf = (s: string | undefined) => new Set((s ?? '').split(' ').filter(Boolean));

/**
 * The host. `connect()` opens an MCP session, authorizing first when the gateway asks; a call that
 * needs a new authorization (expired and unrefreshable, or a step-up) is retried once after it, on
 * the same transport and so the same MCP session.
 */
export class McpHost implements OAuthClientProvider {
  readonly exchanges: Exchange[] = [];
  /** Every authorization URL the SDK sent the human to. */
  readonly authorizationUrls: URL[] = [];
  /** Every token set saved, in order (the refresh tokens of a rotation among them). */
  readonly savedTokens: OAuthTokens[] = [];
  userAgent: UserAgent;
  client: Client | undefined;
  transport: StreamableHTTPClientTransport | undefined;

  #redirect: LoopbackRedirect;
  #opts: McpHostOptions;
  #clientInformation: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #codeVerifier: string | undefined;
  #state: string | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  /** Scopes a 403 `insufficient_scope` asked for that the current token lacks. */
  #stepUp: Set<string> | undefined;

  private constructor(redirect: LoopbackRedirect, opts: McpHostOptions) {
    this.#redirect = redirect;
    this.#opts = opts;
    this.userAgent = opts.userAgent;
    if (opts.clientMetadataUrl) this.clientMetadataUrl = opts.clientMetadataUrl;
  }

  static async start(opts: McpHostOptions): Promise<McpHost> {
    return new McpHost(await LoopbackRedirect.start(), opts);
  }

  // --- OAuthClientProvider -------------------------------------------------------------------

  clientMetadataUrl?: string;

  get redirectUrl(): string {
    return this.#redirect.url;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.#opts.clientName ?? 'e2e MCP host',
      redirect_uris: [this.#redirect.url],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  state(): string {
    this.#state = randomBytes(16).toString('base64url');
    return this.#state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#clientInformation;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#clientInformation = info;
  }

  /**
   * The tokens, without the refresh token while a step-up is pending: SDK 1.32 refreshes on a
   * 403 `insufficient_scope` when it holds one, and a refresh cannot widen a scope (RFC 6749 §6;
   * typescript-sdk#2255), so a host that wants the wider scope must authorize again (SEP-2350).
   */
  tokens(): OAuthTokens | undefined {
    if (!this.#tokens || !this.#stepUp) return this.#tokens;
    const { refresh_token: _held, ...withoutRefresh } = this.#tokens;
    return withoutRefresh;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
    this.savedTokens.push(tokens);
    this.#stepUp = undefined;
  }

  /**
   * Sends the human to the authorization endpoint. On a step-up, asks for what the token already
   * has as well as what the challenge named (SEP-2350: the union), so the new consent does not
   * take away what the first one gave.
   */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    if (this.#stepUp && this.#tokens?.scope) {
      const wanted = scopesOf(authorizationUrl.searchParams.get('scope') ?? undefined);
      for (const s of scopesOf(this.#tokens.scope)) wanted.add(s);
      authorizationUrl.searchParams.set('scope', [...wanted].join(' '));
    }
    this.authorizationUrls.push(authorizationUrl);
    await this.userAgent(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#codeVerifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.#codeVerifier) throw new Error('no code verifier saved');
    return this.#codeVerifier;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.#clientInformation = undefined;
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.#codeVerifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  // --- the host ------------------------------------------------------------------------------

  /** The tokens as saved (refresh token included). */
  get currentTokens(): OAuthTokens | undefined {
    return this.#tokens;
  }

  get sessionId(): string | undefined {
    return this.transport?.sessionId;
  }

  /** Opens the MCP session, authorizing (and so asking the human) when the gateway wants a token. */
  async connect(): Promise<void> {
    this.client = new Client({ name: this.#opts.clientName ?? 'e2e MCP host', version: '1.0.0' });
    for (let attempt = 0; ; attempt++) {
      this.transport = new StreamableHTTPClientTransport(new URL(this.#opts.mcpUrl), {
        authProvider: this,
        fetch: this.#fetch,
      });
      try {
        await this.client.connect(this.transport);
        return;
      } catch (err) {
        if (!(err instanceof UnauthorizedError) || attempt > 0) throw err;
        await this.#finishAuthorization(this.transport);
      }
    }
  }

  /** `tools/call`; one new authorization and one retry when the SDK needed the human for it. */
  async callTool(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    const { client, transport } = this.#connected();
    try {
      return (await client.callTool({ name, arguments: args })) as CallToolResult;
    } catch (err) {
      if (!(err instanceof UnauthorizedError)) throw err;
      await this.#finishAuthorization(transport);
      return (await client.callTool({ name, arguments: args })) as CallToolResult;
    }
  }

  async listTools(): Promise<string[]> {
    return (await this.#connected().client.listTools()).tools.map((t) => t.name);
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => undefined);
    await this.#redirect.close();
  }

  #connected(): { client: Client; transport: StreamableHTTPClientTransport } {
    if (!this.client || !this.transport) throw new Error('connect() first');
    return { client: this.client, transport: this.transport };
  }

  /** The redirect the user agent delivered: its state checked, its code exchanged by the SDK. */
  async #finishAuthorization(transport: StreamableHTTPClientTransport): Promise<void> {
    const back = await this.#redirect.next();
    const error = back.searchParams.get('error');
    if (error)
      throw new UnauthorizedError(
        `the authorization server answered ${error}: ${back.searchParams.get('error_description') ?? ''}`,
      );
    if (!this.#state || back.searchParams.get('state') !== this.#state)
      throw new Error(`the redirect's state is not the one this host sent: ${back.href}`);
    this.#state = undefined;
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`a redirect without a code: ${back.href}`);
    await transport.finishAuth(code);
  }

  /** The SDK's fetch: records each exchange and notes a step-up challenge from the MCP server. */
  #fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const res = await fetch(input, init);
    const exchange: Exchange = {
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      url,
      status: res.status,
      wwwAuthenticate: res.headers.get('www-authenticate'),
    };
    const toMcp = url.startsWith(this.#opts.mcpUrl);
    if (init?.body instanceof URLSearchParams)
      exchange.form = Object.fromEntries(init.body.entries());
    else if (typeof init?.body === 'string' && toMcp) {
      const method = (JSON.parse(init.body) as { method?: unknown }).method;
      if (typeof method === 'string') exchange.rpcMethod = method;
    } else if (typeof init?.body === 'string')
      exchange.form = Object.fromEntries(new URLSearchParams(init.body).entries());
    if (
      !res.ok &&
      res.headers.get('content-type')?.includes('json') &&
      !url.startsWith(this.#opts.mcpUrl)
    ) {
      const body = (await res
        .clone()
        .json()
        .catch(() => ({}))) as { error?: unknown };
      if (typeof body.error === 'string') exchange.oauthError = body.error;
    }
    this.exchanges.push(exchange);
    if (res.status === 403 && toMcp) {
      const challenge = exchange.wwwAuthenticate ?? '';
      const scope = /scope="([^"]*)"/u.exec(challenge)?.[1];
      if (/error="insufficient_scope"/u.test(challenge) && scope) {
        const held = scopesOf(this.#tokens?.scope);
        const missing = [...scopesOf(scope)].filter((s) => !held.has(s));
        if (missing.length > 0) this.#stepUp = new Set(missing);
      }
    }
    return res;
  };
}
