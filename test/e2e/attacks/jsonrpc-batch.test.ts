// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation. JSON-RPC batches were removed
// from MCP in 2025-06-18; the SDK's transport still accepts a JSON array. A batch must not be a
// way around the per-call checks of the gateway's HTTP front: on a session at 2025-06-18 or later
// an array body is refused (HTTP 400, -32600); on a 2025-03-26 session each element gets the
// same scope challenge as a single call (403 `insufficient_scope` naming its scope, nothing of
// the batch forwarded), requests need distinct ids, and allowed elements still go through; an
// empty batch is -32600, and a batch of more than 100 messages is refused before any is decided.
// Through real HTTP with plain fetch (the official SDK client never sends batches).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import {
  auditEvents,
  gatewayTask,
  INITIALIZE,
  mcpClient,
  rawPost,
  startGateway,
  type GatewayEnv,
} from '../gateway/helpers.js';
import { parseChallenges } from './challenge.js';

const SEND = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: 'mail__send_email',
    arguments: { to: 'a@partner.example', subject: 's', body: 'b' },
  },
});
const READ = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'mail__read_inbox', arguments: {} },
});

describe('ASI02 attack: JSON-RPC batches around per-call authorization', () => {
  let env: GatewayEnv;
  let agent: MandateAgent;
  let token: string;

  before(async () => {
    env = await startGateway();
    agent = await attestedAgent(env.server, 'batcher', ['tool:mail/*']);
    ({ token } = await gatewayTask(env, agent, ['tool:mail/send_email']));
  });
  after(() => env.stop());

  /** A session initialized at `version` with plain fetch. */
  async function session(
    version: string,
  ): Promise<(body: unknown, extra?: Record<string, string>) => Promise<Response>> {
    const init = await rawPost(
      env,
      { ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion: version } },
      { authorization: `Bearer ${token}`, 'mcp-protocol-version': version },
    );
    assert.equal(init.status, 200);
    await init.arrayBuffer();
    const sessionId = init.headers.get('mcp-session-id')!;
    const headers = {
      authorization: `Bearer ${token}`,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': version,
    };
    await (
      await rawPost(env, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)
    ).arrayBuffer();
    return (body, extra = {}) => rawPost(env, body, { ...headers, ...extra });
  }

  test('a session at 2025-11-25 (the official SDK client): an array body is 400 -32600, nothing forwarded', async () => {
    const { transport, client } = await mcpClient(env, token);
    const before = env.mail.calls.length;
    const res = await rawPost(env, [SEND(1), SEND(2)], {
      authorization: `Bearer ${token}`,
      'mcp-session-id': transport.sessionId!,
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /batch/);
    assert.equal(env.mail.calls.length, before);
    await client.close();
  });

  test('a session at 2025-06-18: batches are refused too, even with a 2025-03-26 header', async () => {
    const post = await session('2025-06-18');
    const before = env.mail.calls.length;
    // The session's negotiated version counts, not the header the request chose.
    const res = await post([SEND(1)], { 'mcp-protocol-version': '2025-03-26' });
    assert.equal(res.status, 400);
    await res.arrayBuffer();
    const direct = await post([SEND(1)]);
    assert.equal(direct.status, 400);
    assert.equal(((await direct.json()) as { error: { code: number } }).error.code, -32600);
    assert.equal(env.mail.calls.length, before);
  });

  test('a 2025-03-26 session: a batch hiding a call the scopes do not grant gets the scope challenge, and nothing of it runs', async () => {
    const post = await session('2025-03-26');
    const before = env.mail.calls.length;
    const res = await post([SEND(1), READ(2)]);
    assert.equal(res.status, 403);
    const challenge = parseChallenges(res.headers.get('www-authenticate') ?? '');
    assert.equal(challenge[0]!.params.get('error'), 'insufficient_scope');
    assert.equal(challenge[0]!.params.get('scope'), 'tool:mail/read_inbox');
    const answers = (await res.json()) as {
      id: number;
      error: { code: number; data?: Record<string, unknown> };
    }[];
    assert.deepEqual(
      answers.map((a) => a.id),
      [1, 2],
    );
    assert.ok(
      answers[1]!.error.data?.['mandate/decision'],
      'the refused call carries its decision',
    );
    assert.equal(env.mail.calls.length, before, 'nothing of the batch was forwarded');
  });

  test('a 2025-03-26 session: duplicate request ids are refused; allowed calls in a batch go through', async () => {
    const post = await session('2025-03-26');
    const dup = await post([SEND(5), SEND(5)]);
    assert.equal(dup.status, 400);
    assert.equal(((await dup.json()) as { error: { code: number } }).error.code, -32600);
    const before = env.mail.calls.length;
    const ok = await post([SEND(6), SEND(7)]);
    assert.equal(ok.status, 200);
    const text = await ok.text();
    assert.match(text, /"id":6/);
    assert.match(text, /"id":7/);
    assert.equal(env.mail.calls.length, before + 2);
  });

  test('a 2025-03-26 session: an unknown tool name in a batch is -32602 for it, and nothing runs', async () => {
    const post = await session('2025-03-26');
    const before = env.mail.calls.length;
    const res = await post([
      SEND(8),
      {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'mail__x", scope="tool:*', arguments: {} },
      },
    ]);
    assert.ok(res.status < 500);
    assert.equal(res.headers.get('www-authenticate'), null);
    const answers = (await res.json()) as { id: number; error: { code: number } }[];
    assert.equal(answers.find((a) => a.id === 9)?.error.code, -32602);
    assert.equal(env.mail.calls.length, before);
  });

  test('a 2025-03-26 session: an empty batch is -32600, and a batch is bounded before anything in it is decided', async () => {
    const post = await session('2025-03-26');
    const empty = await post([]);
    assert.equal(empty.status, 400);
    assert.equal(((await empty.json()) as { error: { code: number } }).error.code, -32600);
    const events = (await auditEvents(env.server)).length;
    const before = env.mail.calls.length;
    // Each element a call the scopes do not grant: unbounded, one request would make a decision (and an audit event) per element.
    const huge = await post(Array.from({ length: 101 }, (_, i) => READ(100 + i)));
    assert.equal(huge.status, 400);
    const body = (await huge.json()) as { error: { code: number; message: string } };
    assert.equal(body.error.code, -32600);
    assert.match(body.error.message, /at most 100/);
    assert.equal(
      (await auditEvents(env.server)).length,
      events,
      'nothing of the batch was decided',
    );
    assert.equal(env.mail.calls.length, before);
    const full = await post(Array.from({ length: 100 }, (_, i) => SEND(300 + i)));
    assert.equal(full.status, 200, 'a batch of 100 is still served');
    await full.arrayBuffer();
  });
});
