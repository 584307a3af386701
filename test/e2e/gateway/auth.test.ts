// The gateway as an OAuth protected resource (RFC 9728, RFC 6750, MCP authorization): every
// request needs a task token for the gateway's audience; refusals name the resource metadata.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent, GATEWAY } from '../helpers/agents.js';
import {
  gatewayTask,
  INITIALIZE,
  mcpClient,
  rawPost,
  startGateway,
  UPSTREAM_SECRET,
  type GatewayEnv,
  type Json,
} from './helpers.js';

describe('mcp gateway: authentication', () => {
  let env: GatewayEnv;
  let agent: MandateAgent;
  let metadataUrl: string;

  before(async () => {
    env = await startGateway();
    agent = await attestedAgent(env.server, 'alpha', ['tool:mail/*']);
    metadataUrl = `${env.server.url}/.well-known/oauth-protected-resource/mcp`;
  });
  after(() => env.stop());

  test('RFC 9728 metadata names the resource, Mandate as its authorization server and the tool scopes', async () => {
    const res = await fetch(metadataUrl);
    assert.equal(res.status, 200);
    const m = (await res.json()) as Json;
    assert.equal(m.resource, env.mcpUrl.href);
    assert.deepEqual(m.authorization_servers, [env.server.url]);
    assert.deepEqual(m.bearer_methods_supported, ['header']);
    assert.equal(m.dpop_bound_access_tokens_required, false);
    assert.ok((m.scopes_supported as string[]).includes('tool:mail/send_email'));
  });

  test('no token: 401 with a Bearer challenge naming the resource metadata, and no error code', async () => {
    const res = await rawPost(env, INITIALIZE);
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(
      challenge,
      new RegExp(`^Bearer resource_metadata="${metadataUrl.replace(/[.?]/g, '\\$&')}"`),
    );
    assert.doesNotMatch(challenge.split(', DPoP')[0]!, /error=/);
  });

  test('a malformed authorization header: 400 invalid_request, as at every protected resource (RFC 6750 §3.1)', async () => {
    const res = await rawPost(env, INITIALIZE, { authorization: 'Bearer two tokens' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as Json).error, 'invalid_request');
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
  });

  test('a token for another audience: 401 invalid_token with the resource metadata', async () => {
    const t = await agent.startTask({
      resource: GATEWAY,
      scope: ['tool:mail/send_email'],
      purpose: 'elsewhere',
    });
    const res = await rawPost(env, INITIALIZE, { authorization: `Bearer ${t.accessToken}` });
    assert.equal(res.status, 401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="invalid_token"/);
    assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`));
    assert.match(((await res.json()) as Json).error_description as string, /audience/);
  });

  test('a malformed or forged token: 401 invalid_token', async () => {
    const { token } = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const [h, p] = token.split('.');
    for (const bad of ['garbage', `${h}.${p}.AAAA`]) {
      const res = await rawPost(env, INITIALIZE, { authorization: `Bearer ${bad}` });
      assert.equal(res.status, 401, bad.slice(0, 10));
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    }
  });

  test("the agent's token never reaches the upstream, even when the agent sends extra headers to pass it on", async () => {
    const { token } = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const { client } = await mcpClient(env, token, {
      headers: {
        'x-forwarded-authorization': `Bearer ${token}`,
        'x-upstream-token': token,
        'mcp-upstream-authorization': token,
      },
    });
    const seen = env.mail.requests.length;
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'a@partner.example', subject: 's', body: 'b' },
    })) as CallToolResult;
    assert.equal(r.isError, undefined);
    const upstreamRequests = env.mail.requests.slice(seen);
    assert.ok(upstreamRequests.length > 0);
    const everything = JSON.stringify(upstreamRequests);
    assert.ok(
      !everything.includes(token),
      'no header of any upstream request carries the agent token',
    );
    assert.ok(!everything.includes(token.split('.')[1]!), 'not even its payload');
    assert.ok(
      upstreamRequests.every((h) => h.authorization === `Bearer ${UPSTREAM_SECRET}`),
      'the upstream sees only the credential the gateway injects',
    );
    assert.equal(env.mail.calls.at(-1)?.authorization, `Bearer ${UPSTREAM_SECRET}`);
    await client.close();
  });

  test('a request on a session with a token of another task is refused (403), initialize included', async () => {
    const first = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const other = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const { client, transport } = await mcpClient(env, first.token);
    const sessionId = transport.sessionId!;
    const init = await rawPost(env, INITIALIZE, {
      authorization: `Bearer ${other.token}`,
      'mcp-session-id': sessionId,
    });
    assert.equal(init.status, 403);
    assert.match(JSON.stringify(await init.json()), /bound to another task or agent/);
    const list = await rawPost(
      env,
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      { authorization: `Bearer ${other.token}`, 'mcp-session-id': sessionId },
    );
    assert.equal(list.status, 403);
    // The session itself is untouched.
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['mail__send_email'],
    );
    await client.close();
  });

  test("a tool the token's scopes do not grant: 403 insufficient_scope naming the scope; the refusal is audited", async () => {
    const { token } = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const { transport, client } = await mcpClient(env, token);
    const res = await rawPost(
      env,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'mail__read_inbox', arguments: {} },
      },
      { authorization: `Bearer ${token}`, 'mcp-session-id': transport.sessionId! },
    );
    assert.equal(res.status, 403);
    const challenge = res.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="tool:mail\/read_inbox"/);
    assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`));
    const body = (await res.json()) as { id: number; error: { data: Json } };
    assert.equal(body.id, 7);
    assert.match(String((body.error.data['mandate/decision'] as Json).decision_id), /\S+/);
    await client.close();
  });

  test('a request from a foreign browser origin is refused (DNS rebinding)', async () => {
    const { token } = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const res = await rawPost(env, INITIALIZE, {
      authorization: `Bearer ${token}`,
      origin: 'https://evil.example',
    });
    assert.equal(res.status, 403);
  });
});

describe('mcp gateway: DPoP-bound tokens', () => {
  let env: GatewayEnv;
  let agent: MandateAgent;

  before(async () => {
    env = await startGateway();
    agent = await attestedAgent(env.server, 'dpop-agent', ['tool:mail/*'], { dpop: true });
  });
  after(() => env.stop());

  test('with the DPoP scheme and a fresh proof per request (MandateAgent.mcpTransportOptions), the session works', async () => {
    const task = await agent.startTask({
      resource: env.mcpUrl.href,
      scope: ['tool:mail/send_email'],
      purpose: 'dpop',
    });
    assert.equal(task.tokenType, 'DPoP');
    const client = new Client({ name: 'dpop-agent', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(env.mcpUrl, agent.mcpTransportOptions(task)),
    );
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['mail__send_email'],
    );
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'f@partner.example', subject: 's', body: 'b' },
    })) as CallToolResult;
    assert.equal(r.isError, undefined);
    await client.close();
  });

  test('a DPoP-bound token sent as Bearer, or without a proof, or with a proof for another request, is refused', async () => {
    const task = await agent.startTask({
      resource: env.mcpUrl.href,
      scope: ['tool:mail/send_email'],
      purpose: 'dpop',
    });
    const asBearer = await rawPost(env, INITIALIZE, {
      authorization: `Bearer ${task.accessToken}`,
    });
    assert.equal(asBearer.status, 401);
    assert.match(
      asBearer.headers.get('www-authenticate') ?? '',
      /^Bearer resource_metadata="[^"]+", error="invalid_token"/,
    );
    const noProof = await rawPost(env, INITIALIZE, { authorization: `DPoP ${task.accessToken}` });
    assert.equal(noProof.status, 401);
    assert.match(noProof.headers.get('www-authenticate') ?? '', /error="invalid_dpop_proof"/);
    // A proof made for GET cannot be used for a POST.
    let proof = '';
    const capture = agent.taskFetch(task, {
      fetch: async (input) => (
        (proof = new Request(input).headers.get('dpop') ?? ''),
        new Response('{}')
      ),
    });
    await capture(env.mcpUrl, { method: 'GET' });
    const wrongMethod = await rawPost(env, INITIALIZE, {
      authorization: `DPoP ${task.accessToken}`,
      dpop: proof,
    });
    assert.equal(wrongMethod.status, 401);
    assert.match(wrongMethod.headers.get('www-authenticate') ?? '', /error="invalid_dpop_proof"/);
  });
});

describe('mcp gateway: not configured', () => {
  test('without a gateway setting /mcp and its metadata answer 404 saying how to configure it', async () => {
    const { startTestServer } = await import('../../fakes/server.js');
    const server = await startTestServer();
    try {
      const res = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.status, 404);
      assert.match(
        ((await res.json()) as Json).detail as string,
        /gateway.*not configured.*docs\/gateway\.md/,
      );
      assert.equal(
        (await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)).status,
        404,
      );
    } finally {
      await server.stop();
    }
  });
});
