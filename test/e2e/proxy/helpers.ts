import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import type { Clock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { startUpstream, type Upstream } from './upstream.js';

export type Json = Record<string, unknown>;

/** The static secret the broker injects for the `items` service: never to be seen by the agent, its logs or the audit. */
export const ITEMS_SECRET = 'sk_live_proxy-e2e-items-0123456789abcdef';
export const API_KEY_SECRET = 'ak_proxy-e2e-ident-fedcba9876543210';

/** The proxy configuration of these suites, all services in front of one recording upstream. */
export function proxyConfig(upstream: string): Json {
  return {
    services: [
      {
        name: 'items',
        upstream,
        credential: { provider: 'static', secret: 'items-key', as: 'bearer' },
        routes: [
          {
            method: 'GET',
            path: '/items',
            tool: 'list_items',
            sideEffect: 'read',
            classification: 'internal',
          },
          {
            method: 'GET',
            path: '/items/{id}',
            tool: 'get_item',
            sideEffect: 'read',
            classification: 'internal',
          },
          { method: 'HEAD', path: '/items/{id}', tool: 'get_item' },
          {
            method: 'POST',
            path: '/items',
            tool: 'create_item',
            sideEffect: 'write',
            classification: 'internal',
          },
          {
            method: 'DELETE',
            path: '/items/{id}',
            tool: 'delete_item',
            sideEffect: 'destructive',
            classification: 'internal',
          },
          {
            method: 'PUT',
            path: '/uploads/{name}',
            tool: 'upload',
            sideEffect: 'write',
            classification: 'internal',
          },
          {
            method: 'GET',
            path: '/files/**',
            tool: 'read_file',
            sideEffect: 'read',
            classification: 'internal',
          },
          {
            method: 'GET',
            path: '/stream',
            tool: 'stream',
            sideEffect: 'read',
            classification: 'public',
          },
          {
            method: 'GET',
            path: '/gzip',
            tool: 'gzip',
            sideEffect: 'read',
            classification: 'public',
          },
          {
            method: 'GET',
            path: '/status/{code}',
            tool: 'status',
            sideEffect: 'read',
            classification: 'public',
          },
        ],
      },
      {
        name: 'ident',
        upstream,
        credential: { provider: 'static', secret: 'ident-key', as: 'header', header: 'x-api-key' },
        identity: { header: 'x-mandate-identity' },
        routes: [
          {
            method: 'GET',
            path: '/items/{id}',
            tool: 'get_item',
            sideEffect: 'read',
            classification: 'public',
          },
        ],
      },
      {
        name: 'limited',
        upstream,
        credential: { provider: 'static', secret: 'items-key', as: 'query', param: 'api_key' },
        rateLimit: { perAgentPerMinute: 2 },
        routes: [
          {
            method: 'GET',
            path: '/items/{id}',
            tool: 'get_item',
            sideEffect: 'read',
            classification: 'public',
          },
        ],
      },
      {
        name: 'slow',
        upstream,
        timeoutMs: 200,
        routes: [
          {
            method: 'GET',
            path: '/slow',
            tool: 'slow',
            sideEffect: 'read',
            classification: 'public',
          },
        ],
      },
    ],
  };
}

export interface ProxyEnv {
  server: TestServer;
  upstream: Upstream;
  /** Everything the server logged (pino JSON lines, debug level). */
  logs(): string;
  /** `<issuer>/proxy/<service>`: the resource (token audience) of a service. */
  resource(service: string): string;
  stop(): Promise<void>;
}

export async function startProxyEnv(opts: { clock?: Clock } = {}): Promise<ProxyEnv> {
  const upstream = await startUpstream();
  const chunks: string[] = [];
  const stream = new Writable({
    write: (c: Buffer | string, _e, done) => (chunks.push(c.toString()), done()),
  });
  const server = await startTestServer({
    flags: { proxy: proxyConfig(upstream.url) },
    logger: { level: 'debug', stream },
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  for (const [id, value] of [
    ['items-key', ITEMS_SECRET],
    ['ident-key', API_KEY_SECRET],
  ]) {
    const res = await fetch(`${server.url}/v1/secrets/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value, description: 'proxy e2e' }),
    });
    if (res.status !== 201) throw new Error(`secret ${id}: ${res.status} ${await res.text()}`);
  }
  return {
    server,
    upstream,
    logs: () => chunks.join(''),
    resource: (service) => `${server.url}/proxy/${service}`,
    async stop() {
      await server.stop();
      await upstream.close();
    },
  };
}

/** A task token for one proxy service. */
export async function proxyTask(
  env: ProxyEnv,
  agent: MandateAgent,
  service: string,
  scope: string[],
): Promise<{ token: string; taskId: string }> {
  const t = await agent.startTask({
    resource: env.resource(service),
    scope,
    purpose: 'proxy e2e',
    ttlSeconds: 600,
  });
  return { token: t.accessToken, taskId: t.taskId };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json(): Json;
}

/**
 * One request with the target sent exactly as written (fetch and URL would resolve `..` and
 * re-encode escapes before the proxy ever saw them).
 */
export function raw(
  env: ProxyEnv,
  method: string,
  target: string,
  opts: {
    token?: string;
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
  } = {},
): Promise<RawResponse> {
  const url = new URL(env.server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers: {
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text) as Json,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Audit events, parsed (admin API). */
export async function auditEvents(env: ProxyEnv): Promise<Json[]> {
  const res = await fetch(`${env.server.url}/v1/audit/events`, {
    headers: { authorization: `Bearer ${env.server.adminToken}` },
  });
  return (await res.text())
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Json);
}
