import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Clock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { startMailServer, type MailServer } from '../../fixtures/mcp-servers/mail.js';

export type Json = Record<string, unknown>;

/** What the operator says about the mail fixture's tools (the default pack then decides). */
export const MAIL_ANNOTATIONS = {
  send_email: {
    sideEffect: 'write',
    classification: 'public',
    extractors: [{ path: 'to', kind: 'email' }],
  },
  read_inbox: { sideEffect: 'read', classification: 'confidential', destinations: [] },
  count: { sideEffect: 'read', classification: 'public', destinations: [] },
  ask_name: { sideEffect: 'read', classification: 'public', destinations: [] },
  summarize: { sideEffect: 'read', classification: 'public', destinations: [] },
  wait: { sideEffect: 'read', classification: 'public', destinations: [] },
  list_roots: { sideEffect: 'read', classification: 'public', destinations: [] },
};

/** Sent by the gateway to the mail upstream on every request (the static-header path of `headers`). */
export const UPSTREAM_SECRET = 'upstream-static-secret-7f3a9c';

export interface GatewayEnv {
  server: TestServer;
  mail: MailServer;
  mcpUrl: URL;
  stop(): Promise<void>;
}

/** A mail fixture and a real Mandate whose gateway fronts it (plus whatever `upstreams` adds). */
export async function startGateway(
  opts: {
    upstreams?: Json[];
    gateway?: Json;
    flags?: Json;
    mailUpstream?: Json;
    logger?: Record<string, unknown>;
    clock?: Clock;
  } = {},
): Promise<GatewayEnv> {
  const mail = await startMailServer();
  const server = await startTestServer({
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    flags: {
      ...opts.flags,
      gateway: {
        upstreams: [
          {
            name: 'mail',
            transport: 'http',
            url: mail.url,
            headers: { authorization: `Bearer ${UPSTREAM_SECRET}` },
            annotations: MAIL_ANNOTATIONS,
            ...opts.mailUpstream,
          },
          ...(opts.upstreams ?? []),
        ],
        ...opts.gateway,
      },
    },
  });
  return {
    server,
    mail,
    mcpUrl: new URL(`${server.url}/mcp`),
    async stop() {
      await server.stop();
      await mail.close();
    },
  };
}

/** A task token for the gateway. */
export async function gatewayTask(
  env: GatewayEnv,
  agent: MandateAgent,
  scope: string[],
): Promise<{ token: string; taskId: string }> {
  const t = await agent.startTask({
    resource: env.mcpUrl.href,
    scope,
    purpose: 'gateway e2e',
    ttlSeconds: 600,
  });
  return { token: t.accessToken, taskId: t.taskId };
}

/** The official MCP SDK client, connected to the gateway with `token` (and any extra headers). */
export async function mcpClient(
  env: GatewayEnv,
  token: string,
  opts: { headers?: Record<string, string>; capabilities?: Json; sessionId?: string } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client(
    { name: 'e2e-agent', version: '1.0.0' },
    { capabilities: opts.capabilities ?? {} },
  );
  const transport = new StreamableHTTPClientTransport(env.mcpUrl, {
    requestInit: { headers: { authorization: `Bearer ${token}`, ...opts.headers } },
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
  });
  await client.connect(transport);
  return { client, transport };
}

/** Audit events, parsed (admin API). */
export async function auditEvents(server: TestServer): Promise<Json[]> {
  const res = await fetch(`${server.url}/v1/audit/events`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  return (await res.text())
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Json);
}

/** A raw JSON-RPC POST to the gateway. */
export async function rawPost(
  env: GatewayEnv,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(env.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

export const FILES_FIXTURE = 'test/fixtures/mcp-servers/files.ts';

/** The stdio `files` upstream: the fixture run by the gateway as a child process in `root`. */
export function filesUpstream(root: string, extra: Json = {}): Json {
  return {
    name: 'files',
    transport: 'stdio',
    command: process.execPath,
    args: ['--import', 'tsx', FILES_FIXTURE],
    cwd: process.cwd(),
    env: { FILES_ROOT: root },
    annotations: {
      read_file: { sideEffect: 'read', classification: 'internal', destinations: [] },
      delete_file: { sideEffect: 'destructive', classification: 'internal', destinations: [] },
      env_digest: { sideEffect: 'read', classification: 'public', destinations: [] },
    },
    ...extra,
  };
}

/** Polls `check` until it holds (a state change made elsewhere), failing after `ms`. Not a timing assertion. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function logCapture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write: (c: Buffer | string, _e, done) => (chunks.push(c.toString()), done()),
    }),
    text: () => chunks.join(''),
  };
}
