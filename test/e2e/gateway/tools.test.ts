// The MCP gateway end to end: the official MCP SDK client, through a real Mandate's /mcp, in
// front of a real MCP server (the mail fixture) on a loopback port. Filtered tools/list, an
// allowed call relayed, a denied call with reason and decision id (audited, never forwarded).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent, spiffeIdOf } from '../helpers/agents.js';
import {
  auditEvents,
  eventually,
  gatewayTask,
  MAIL_ANNOTATIONS,
  mcpClient,
  startGateway,
  type GatewayEnv,
  type Json,
} from './helpers.js';

const MAIL = ['tool:mail/send_email', 'tool:mail/read_inbox'];

describe('mcp gateway: tools', () => {
  let env: GatewayEnv;
  let agent: MandateAgent;

  before(async () => {
    env = await startGateway();
    agent = await attestedAgent(env.server, 'alpha', ['tool:mail/*']);
  });
  after(() => env.stop());

  test("the upstream's tools are in the catalog, under `<server>/<tool>`", async () => {
    const res = await fetch(`${env.server.url}/v1/tools?server=mail`, {
      headers: { authorization: `Bearer ${env.server.adminToken}` },
    });
    const tools = ((await res.json()) as { tools: Json[] }).tools;
    assert.deepEqual(
      tools.map((t) => t.id),
      [
        'mail/ask_name',
        'mail/count',
        'mail/list_roots',
        'mail/read_inbox',
        'mail/send_email',
        'mail/summarize',
        'mail/wait',
      ],
    );
    assert.equal(tools.find((t) => t.id === 'mail/read_inbox')?.classification, 'confidential');
  });

  test('tools/list shows only the tools the token may call, namespaced `<server>__<tool>`', async () => {
    const { token } = await gatewayTask(env, agent, MAIL);
    const { client } = await mcpClient(env, token);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['mail__read_inbox', 'mail__send_email']);
    assert.equal(tools.find((t) => t.name === 'mail__send_email')?.description, 'Send an email');
    await client.close();
  });

  test('an allowed call reaches the upstream and its result comes back', async () => {
    const { token } = await gatewayTask(env, agent, MAIL);
    const { client } = await mcpClient(env, token);
    const before = env.mail.calls.length;
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'bob@partner.example', subject: 'hi', body: 'hello' },
    })) as CallToolResult;
    assert.equal(r.isError, undefined);
    assert.deepEqual(r.content, [{ type: 'text', text: 'sent to bob@partner.example' }]);
    assert.deepEqual(
      env.mail.calls.slice(before).map((c) => [c.tool, c.arguments.to]),
      [['send_email', 'bob@partner.example']],
    );
    const metrics = await (await fetch(`${env.server.url}/metrics`)).text();
    assert.match(metrics, /mandate_gateway_tool_calls_total\{outcome="forwarded"\} [1-9]/);
    assert.match(metrics, /mandate_gateway_sessions [1-9]/);
    await client.close();
  });

  test('a denied call is an error result with the reason and the decision id, audited, and never forwarded', async () => {
    const { token, taskId } = await gatewayTask(env, agent, MAIL);
    const { client } = await mcpClient(env, token);
    const read = (await client.callTool({
      name: 'mail__read_inbox',
      arguments: {},
    })) as CallToolResult;
    assert.equal(read.isError, undefined, 'reading the inbox is allowed');
    const before = env.mail.calls.length;
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'leak@partner.example', subject: 'q3', body: 'numbers' },
    })) as CallToolResult;
    assert.equal(r.isError, true);
    const decision = (r._meta as Json)['mandate/decision'] as Json;
    assert.equal(decision.outcome, 'deny');
    assert.deepEqual(decision.reasons, ['mandate.no-external-after-confidential']);
    assert.match(String(decision.decision_id), /\S+/);
    const text = (r.content as { text: string }[])[0]!.text;
    assert.match(text, /mandate\.no-external-after-confidential/);
    assert.ok(text.includes(String(decision.decision_id)), 'the text names the decision id too');
    assert.equal(env.mail.calls.length, before, 'the upstream never saw the denied call');
    const event = (await auditEvents(env.server)).find(
      (e) => e.action === 'decision' && (e.details as Json).decision_id === decision.decision_id,
    );
    assert.ok(event, 'the decision is audited');
    assert.equal(event.outcome, 'denied');
    assert.equal(event.target, 'mail/send_email');
    assert.equal(event.actor, spiffeIdOf(env.server, 'alpha'));
    assert.equal((event.details as Json).task, taskId);
    await client.close();
  });

  test("ending the agent's session ends the gateway's upstream session too, and is audited", async () => {
    const { token } = await gatewayTask(env, agent, MAIL);
    const { client, transport } = await mcpClient(env, token);
    const before = env.mail.sessionCount();
    await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'g@partner.example', subject: 's', body: 'b' },
    });
    assert.equal(
      env.mail.sessionCount(),
      before + 1,
      'the session opened its own upstream connection',
    );
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    await eventually(() => env.mail.sessionCount() === before, 'the upstream session is ended');
    const end = (await auditEvents(env.server)).find(
      (e) => e.action === 'gateway.session_end' && (e.details as Json).session === sessionId,
    );
    assert.equal((end?.details as Json).reason, 'client');
    await client.close();
  });

  test('an unknown tool name is a JSON-RPC invalid-params error', async () => {
    const { token } = await gatewayTask(env, agent, MAIL);
    const { client } = await mcpClient(env, token);
    await assert.rejects(
      client.callTool({ name: 'nosuch__tool', arguments: {} }),
      (err: Error & { code?: number }) => err.code === -32602 && /unknown tool/.test(err.message),
    );
    await client.close();
  });
});

describe('mcp gateway: tools and annotations the catalog refuses', () => {
  let env: GatewayEnv;

  before(async () => {
    env = await startGateway({
      mailUpstream: {
        annotations: {
          ...MAIL_ANNOTATIONS,
          // Not a side effect the catalog knows: refused, the tool keeps the restrictive defaults.
          read_inbox: { sideEffect: 'sometimes' },
          // Names no tool of the list (and has a `.`, which reading the refusal's field name
          // back out of its text once took for `send`): refused, every other tool still goes in.
          'send.email': { sideEffect: 'read' },
        },
      },
    });
  });
  after(() => env.stop());

  test('each refused annotation is left out on its own; the whole list still goes in', async () => {
    const res = await fetch(`${env.server.url}/v1/tools?server=mail`, {
      headers: { authorization: `Bearer ${env.server.adminToken}` },
    });
    const tools = ((await res.json()) as { tools: Json[] }).tools;
    assert.deepEqual(
      tools.map((t) => t.id),
      [
        'mail/ask_name',
        'mail/count',
        'mail/list_roots',
        'mail/read_inbox',
        'mail/send_email',
        'mail/summarize',
        'mail/wait',
      ],
    );
    const inbox = tools.find((t) => t.id === 'mail/read_inbox');
    assert.equal(inbox?.side_effect, 'destructive');
    assert.equal(tools.find((t) => t.id === 'mail/send_email')?.side_effect, 'write');
  });
});
