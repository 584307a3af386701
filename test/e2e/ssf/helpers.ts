import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { TestServer } from '../../fakes/server.js';

export const SESSION_REVOKED =
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const CREDENTIAL_CHANGE =
  'https://schemas.openid.net/secevent/caep/event-type/credential-change';
export const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';

export interface Pushed {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

export interface Receiver {
  url: string;
  /** SETs accepted (answered 2xx), in arrival order. */
  received: Pushed[];
  /** Every POST, with the status it was answered. */
  requests: (Pushed & { status: number })[];
  /** What the receiver answers: `code` (202 by default), unless `of` picks a status for a SET. A 400 carries an RFC 8935 `err`. */
  status: { code: number; of?: ((set: string) => number | undefined) | undefined };
  waitFor(n: number): Promise<Pushed[]>;
  waitForRequests(n: number): Promise<(Pushed & { status: number })[]>;
  close(): Promise<void>;
}

/** An RFC 8935 receiver on loopback: records each POST and answers `status` (202 by default). */
export async function startReceiver(): Promise<Receiver> {
  const received: Pushed[] = [];
  const requests: (Pushed & { status: number })[] = [];
  const status: Receiver['status'] = { code: 202 };
  const waiting: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const pushed = {
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const code = status.of?.(pushed.body) ?? status.code;
      requests.push({ ...pushed, status: code });
      if (code >= 200 && code < 300) received.push(pushed);
      res.writeHead(code, { 'content-type': 'application/json' }).end(
        code >= 200 && code < 300
          ? ''
          : JSON.stringify({
              err: code === 400 ? 'invalid_request' : 'unavailable',
              description: 'test',
            }),
      );
      for (const w of waiting.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/caep`;
  return {
    url,
    received,
    requests,
    status,
    async waitFor(n) {
      while (received.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
      return received.slice(0, n);
    },
    async waitForRequests(n) {
      while (requests.length < n) await new Promise<void>((resolve) => waiting.push(resolve));
      return requests.slice(0, n);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The claims of a SET, unverified (tests that verify use jose against the JWKS). */
export function claimsOf(set: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(set.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** The `state` of a verification SET (SSF 1.0 §8.1.4.2), or undefined for another event. */
export function stateOf(set: string): string | undefined {
  const events = claimsOf(set).events as Record<string, { state?: string }>;
  return events[VERIFICATION]?.state;
}

/** Collects the MANDATE_SSF process warnings (the transmitter's `onProblem`) until `stop`. */
export function ssfWarnings(): {
  list: { message: string; detail: Record<string, unknown> }[];
  stop(): void;
} {
  const list: { message: string; detail: Record<string, unknown> }[] = [];
  const on = (w: Error & { code?: string; detail?: string }) => {
    if (w.code === 'MANDATE_SSF')
      list.push({
        message: w.message,
        detail: JSON.parse(w.detail ?? '{}') as Record<string, unknown>,
      });
  };
  process.on('warning', on);
  return { list, stop: () => process.off('warning', on) };
}

export async function admin(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

export async function poll(
  server: TestServer,
  streamId: string,
  body: Record<string, unknown> = {},
): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
  const res = await admin(server, 'POST', `/v1/ssf/poll/${streamId}`, {
    returnImmediately: true,
    ...body,
  });
  if (res.status !== 200)
    throw new Error(`poll answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json as { sets: Record<string, string>; moreAvailable: boolean };
}

/**
 * Polls a poll stream (default `aud`) until at least `expected` SETs arrived, or about `seconds`
 * passed: SETs are signed and queued in the background right after their change commits. Each
 * is acknowledged and verified with jose against the published JWKS (`typ: secevent+jwt`).
 */
export async function pollVerified(
  server: TestServer,
  streamId: string,
  expected: number,
  seconds = 5,
): Promise<JWTPayload[]> {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  const sets: string[] = [];
  for (let i = 0; i < seconds * 10 && sets.length < expected; i++) {
    const got = (await poll(server, streamId)).sets;
    sets.push(...Object.values(got));
    if (Object.keys(got).length > 0) await poll(server, streamId, { ack: Object.keys(got) });
    if (sets.length < expected) await new Promise((r) => setTimeout(r, 100));
  }
  const verified = sets.map(
    async (set) =>
      (
        await jwtVerify(set, jwks, {
          issuer: server.config.issuer,
          audience: `urn:mandate:ssf:stream:${streamId}`,
          typ: 'secevent+jwt',
        })
      ).payload,
  );
  return Promise.all(verified);
}

/** The one event of a verified SET, by its type. */
export function eventOf(payload: JWTPayload, type: string): Record<string, unknown> {
  return (payload.events as Record<string, Record<string, unknown>>)[type]!;
}
