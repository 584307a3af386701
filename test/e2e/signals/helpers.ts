import assert from 'node:assert/strict';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import type { TestServer } from '../../fakes/server.js';
import { GATEWAY } from '../helpers/agents.js';

export type Json = Record<string, unknown>;

/** An admin call to the server: status and JSON body. */
export async function call(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  token = server.adminToken,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** One decision at POST /v1/authorize, as an enforcement point asks it. */
export async function authorize(
  server: TestServer,
  token: string,
  tool: string,
  extra: Json = {},
): Promise<Json> {
  const r = await call(server, 'POST', '/v1/authorize', {
    token,
    audience: GATEWAY,
    tool,
    ...extra,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

/** The outcome and determining policies of a decision, or `revoked` for a token that no longer verifies. */
export async function decide(
  server: TestServer,
  token: string,
  tool: string,
  extra: Json = {},
): Promise<[string, unknown]> {
  const d = await authorize(server, token, tool, extra);
  if (d.decision_id === null)
    return [d.decision as string, ((d.errors as Json[])[0]?.message as string | undefined) ?? ''];
  return [d.decision as string, d.reasons];
}

/**
 * The catalog the suites call: docs/read (read, public), docs/secret (read, confidential),
 * mail/send (write, public, recipient's domain extracted) and db/drop (destructive).
 */
export async function catalog(server: TestServer): Promise<void> {
  const s = { type: 'object', properties: {} };
  const put = async (server_: string, body: Json) => {
    const r = await call(server, 'PUT', `/v1/tools/${server_}`, body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  await put('docs', {
    tools: [
      { name: 'read', inputSchema: s },
      { name: 'secret', inputSchema: s },
    ],
    annotations: {
      read: { sideEffect: 'read', classification: 'public', destinations: [] },
      secret: { sideEffect: 'read', classification: 'confidential', destinations: [] },
    },
  });
  await put('mail', {
    tools: [
      { name: 'send', inputSchema: { type: 'object', properties: { to: { type: 'string' } } } },
    ],
    annotations: {
      send: {
        sideEffect: 'write',
        classification: 'public',
        extractors: [{ path: 'to', kind: 'email' }],
      },
    },
  });
  await put('db', {
    tools: [{ name: 'drop', inputSchema: s }],
    annotations: {
      drop: { sideEffect: 'destructive', classification: 'internal', destinations: [] },
    },
  });
}

export async function newTask(
  agent: MandateAgent,
  scope: string[],
  purpose = 'signals e2e',
): Promise<{ token: string; taskId: string }> {
  const t = await agent.startTask({ resource: GATEWAY, scope, purpose, ttlSeconds: 600 });
  return { token: t.accessToken, taskId: t.taskId };
}

/** The audit log, parsed. */
export async function auditEvents(server: TestServer): Promise<Json[]> {
  const res = await fetch(`${server.url}/v1/audit/events`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  return (await res.text())
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Json);
}

/**
 * Polls `probe` until it returns a value (not undefined), for effects that land in the
 * background (a detector's response after the answer); fails after `tries` rounds.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  tries = 200,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never happened: ${what}`);
}
