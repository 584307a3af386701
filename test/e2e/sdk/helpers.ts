// Shared pieces of the SDK tool-server suites: tool servers built with Fastify, Express 5 and Hono
// (each behind its Mandate middleware) on loopback ports, a DPoP key the tests sign proofs with
// (jose, any header or claim, so refused shapes can be built), and raw node:http requests for what
// fetch cannot send (repeated headers).
import { createHash, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { mandateExpress } from '../../../src/sdk/middleware/express.js';
import { mandateFastify } from '../../../src/sdk/middleware/fastify.js';
import { mandateHono, type MandateHonoEnv } from '../../../src/sdk/middleware/hono.js';
import type { MandateMiddlewareOptions } from '../../../src/sdk/middleware/options.js';
import type { MandateRequestContext } from '../../../src/sdk/verify-request.js';

export type Json = Record<string, unknown>;

/** What every tool server's protected route answers: who called, as the middleware saw it. */
export function describeCaller(ctx: MandateRequestContext | undefined | null): Json {
  if (!ctx) return { error: 'no mandate context' };
  return {
    actor: ctx.principal.actor,
    subject: ctx.principal.subject,
    chain: ctx.chain,
    scheme: ctx.scheme,
    dpop_jkt: ctx.dpopJkt,
    task_id: ctx.principal.taskId,
    scopes: ctx.principal.scopes,
  };
}

/** A tool server: `mounts` maps a path prefix (`/tools`) to its middleware options; each prefix serves `<prefix>/echo` for GET and POST. */
export interface ToolServer {
  name: string;
  url: string;
  close(): Promise<void>;
}

export type Mounts = Record<string, Omit<MandateMiddlewareOptions, 'origin'>>;

/**
 * A node:http server already listening on a loopback port the system picked (port 0), with no
 * handler yet: a suite builds what needs the origin (the tokens' audience, the middleware) and
 * then hands it to one of the frameworks below, so no port is picked, freed and reused.
 */
export interface Listener {
  server: Server;
  port: number;
  origin: string;
}

export async function listenLoopback(): Promise<Listener> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, port, origin: `http://127.0.0.1:${port}` };
}

export async function startExpress(listener: Listener, mounts: Mounts): Promise<ToolServer> {
  const app = express();
  for (const [prefix, opts] of Object.entries(mounts)) {
    const router = express.Router();
    router.use(mandateExpress(opts));
    router.all('/echo', (req, res) => {
      res.json(describeCaller(req.mandate));
    });
    app.use(prefix, router);
  }
  listener.server.on('request', app);
  return { name: 'express', url: listener.origin, close: () => closeServer(listener.server) };
}

export async function startFastify(listener: Listener, mounts: Mounts): Promise<ToolServer> {
  // Fastify serves on the listening server (serverFactory) and is only made ready, not listened.
  const app = Fastify({
    serverFactory: (handler) => listener.server.on('request', handler),
  });
  app.decorateRequest('mandate', null);
  for (const [prefix, opts] of Object.entries(mounts)) {
    const hook = mandateFastify(opts);
    await app.register(
      async (scoped) => {
        scoped.addHook('preHandler', hook);
        scoped.all('/echo', async (request) =>
          describeCaller((request as unknown as { mandate: MandateRequestContext | null }).mandate),
        );
      },
      { prefix },
    );
  }
  await app.ready();
  return {
    name: 'fastify',
    url: listener.origin,
    close: async () => {
      await app.close();
      await closeServer(listener.server);
    },
  };
}

export async function startHono(listener: Listener, mounts: Mounts): Promise<ToolServer> {
  const app = new Hono<MandateHonoEnv>();
  for (const [prefix, opts] of Object.entries(mounts)) {
    app.use(`${prefix}/*`, mandateHono(opts));
    app.all(`${prefix}/echo`, (c) => c.json(describeCaller(c.get('mandate'))));
  }
  // overrideGlobalObjects: false keeps the test process's own fetch, Request and Response untouched.
  listener.server.on('request', getRequestListener(app.fetch, { overrideGlobalObjects: false }));
  return { name: 'hono', url: listener.origin, close: () => closeServer(listener.server) };
}

export const FRAMEWORKS = {
  express: startExpress,
  fastify: startFastify,
  hono: startHono,
} as const;

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

// --- DPoP proofs the tests sign themselves ---------------------------------------------------

export interface TestDpopKey {
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

export async function newDpopKey(): Promise<TestDpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { kty, crv, x, y } = await exportJWK(publicKey);
  const jwk = { kty, crv, x, y } as JWK;
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
export const athOf = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

/**
 * A proof for `method url` carrying `token` (RFC 9449 §4.2); `header` / `claims` override the
 * defaults, and a value of undefined drops the member. `alg: 'none'` gives an unsigned one.
 */
export async function proofFor(
  key: TestDpopKey,
  method: string,
  url: string,
  token: string,
  opts: { header?: Json; claims?: Json } = {},
): Promise<string> {
  const header = defined({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk, ...opts.header });
  const claims = defined({
    jti: randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ath: athOf(token),
    ...opts.claims,
  });
  const input = `${b64(header)}.${b64(claims)}`;
  if (header.alg === 'none') return `${input}.`;
  const sig = await globalThis.crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.privateKey,
    Buffer.from(input),
  );
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}

function defined(record: Json): Json {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

// --- requests -----------------------------------------------------------------------------------

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Json;
}

/** A request over node:http, which can repeat a header (an array value goes out as several lines). */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Json = {};
          try {
            body = JSON.parse(text) as Json;
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
