import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestServer } from '../../fakes/server.js';

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';

export interface Pushed {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

/** An RFC 8935 receiver on loopback: records each POST and answers `status` (202 by default). */
export async function startReceiver(): Promise<{ url: string; received: Pushed[]; status: { code: number }; waitFor(n: number): Promise<Pushed[]>; close(): Promise<void> }> {
  const received: Pushed[] = [];
  const status = { code: 202 };
  const waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (status.code === 202) received.push({ contentType: req.headers['content-type'], authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status.code, { 'content-type': 'application/json' }).end(status.code === 202 ? '' : JSON.stringify({ err: 'invalid_request', description: 'test' }));
      for (const w of waiting.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/caep`;
  return {
    url,
    received,
    status,
    async waitFor(n) {
      while (received.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
      return received.slice(0, n);
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export async function admin(server: TestServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

export async function poll(server: TestServer, streamId: string, body: Record<string, unknown> = {}): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
  const res = await admin(server, 'POST', `/v1/ssf/poll/${streamId}`, { returnImmediately: true, ...body });
  if (res.status !== 200) throw new Error(`poll answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json as { sets: Record<string, string>; moreAvailable: boolean };
}
