// What the gateway relays transparently between the agent's MCP client and an upstream: progress
// (under the agent's own progress token), logging, elicitation and sampling requests made during a
// call, cancellation, tools/list_changed; resources and prompts go through policy, namespaced.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import {
  auditEvents,
  eventually,
  gatewayTask,
  mcpClient,
  startGateway,
  type GatewayEnv,
  type Json,
} from './helpers.js';

const SCOPES = ['tool:mail/*', 'resource:mail/*', 'prompt:mail/*'];
const text = (r: CallToolResult): string => (r.content as { text: string }[])[0]!.text;

describe('mcp gateway: relay', () => {
  let env: GatewayEnv;
  let agent: MandateAgent;

  before(async () => {
    env = await startGateway({ mailUpstream: { identity: {} } });
    agent = await attestedAgent(env.server, 'alpha', SCOPES);
  });
  after(() => env.stop());

  test("progress comes back under the agent's progress token, and log messages of the call reach the agent", async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const logs: unknown[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void logs.push(n.params.data),
    );
    await client.setLoggingLevel('info');
    const progress: Progress[] = [];
    const r = (await client.callTool({ name: 'mail__count', arguments: { n: 3 } }, undefined, {
      onprogress: (p) => progress.push(p),
    })) as CallToolResult;
    assert.equal(text(r), 'counted to 3');
    assert.deepEqual(
      progress.map((p) => [p.progress, p.total, p.message]),
      [
        [1, 3, 'step 1'],
        [2, 3, 'step 2'],
        [3, 3, 'step 3'],
      ],
    );
    assert.deepEqual(logs, ['step 1', 'step 2', 'step 3']);
    await client.close();
  });

  test("an elicitation the upstream makes during a call is answered by the agent's client", async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token, { capabilities: { elicitation: { form: {} } } });
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: 'accept', content: { name: 'Ada' } };
    });
    const r = (await client.callTool({ name: 'mail__ask_name', arguments: {} })) as CallToolResult;
    assert.equal(text(r), 'hello Ada');
    assert.deepEqual(asked, ['what is your name?']);
    await client.close();
  });

  test("a sampling request the upstream makes during a call is answered by the agent's client", async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      const first = req.params.messages[0]?.content as { text?: string };
      return {
        role: 'assistant',
        model: 'test-model',
        content: { type: 'text', text: `short(${first.text ?? ''})` },
      };
    });
    const r = (await client.callTool({
      name: 'mail__summarize',
      arguments: { text: 'long story' },
    })) as CallToolResult;
    assert.equal(text(r), 'summary: short(summarize: long story)');
    await client.close();
  });

  test("roots/list from the upstream is answered by the agent's client", async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token, {
      capabilities: { roots: { listChanged: true } },
    });
    client.setRequestHandler(ListRootsRequestSchema, async () => ({
      roots: [{ uri: 'file:///work/project', name: 'project' }],
    }));
    const r = (await client.callTool({
      name: 'mail__list_roots',
      arguments: {},
    })) as CallToolResult;
    assert.equal(text(r), 'file:///work/project');
    await client.sendRootsListChanged();
    await client.close();
  });

  test('cancelling a call cancels it upstream', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const abort = new AbortController();
    const pending = client.callTool({ name: 'mail__wait', arguments: { tag: 'c1' } }, undefined, {
      signal: abort.signal,
    });
    await eventually(
      () => env.mail.calls.some((c) => c.tool === 'wait' && c.arguments.tag === 'c1'),
      'the call reaches the upstream',
    );
    abort.abort();
    await assert.rejects(pending);
    await eventually(() => env.mail.cancelled.includes('c1'), 'the upstream sees the cancellation');
    await client.close();
  });

  test("the upstream receives the caller's identity assertion (mandate-id+jwt), never the agent's token", async () => {
    const { token, taskId } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const seen = env.mail.requests.length;
    await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'e@partner.example', subject: 's', body: 'b' },
    });
    const headers = env.mail.requests.slice(seen).at(-1)!;
    const assertion = String(headers['mandate-identity']);
    const [h, p] = assertion
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Json);
    assert.equal(h!.typ, 'mandate-id+jwt');
    assert.equal(p!.task_id, taskId);
    assert.equal(p!.aud, env.mail.url);
    assert.ok(!assertion.includes(token));
    await client.close();
  });

  test('resources: listed namespaced `<server>+<uri>`, read through policy (audited), and URIs in tool results are namespaced too', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const { resources } = await client.listResources();
    assert.deepEqual(
      resources.map((r) => r.uri),
      ['mail+inbox://messages/1', 'mail+inbox://messages/2'],
    );
    const { resourceTemplates } = await client.listResourceTemplates();
    assert.deepEqual(
      resourceTemplates.map((t) => t.uriTemplate),
      ['mail+inbox://messages/{id}'],
    );
    const read = await client.readResource({ uri: 'mail+inbox://messages/1' });
    assert.equal(read.contents[0]?.uri, 'mail+inbox://messages/1');
    assert.match(String((read.contents[0] as { text: string }).text), /q3 numbers/);
    const audited = (await auditEvents(env.server)).filter(
      (e) => e.action === 'decision' && e.target === 'resource:mail/inbox://messages/1',
    );
    assert.ok(audited.length > 0, 'the read is a decision, audited');
    const inbox = (await client.callTool({
      name: 'mail__read_inbox',
      arguments: {},
    })) as CallToolResult;
    assert.deepEqual(
      inbox.content.find((c) => c.type === 'resource_link'),
      { type: 'resource_link', uri: 'mail+inbox://messages/1', name: 'message 1' },
    );
    await client.close();
  });

  test("resources and prompts the token's scopes do not grant are neither listed nor readable", async () => {
    const { token } = await gatewayTask(env, agent, ['tool:mail/send_email']);
    const { client } = await mcpClient(env, token);
    assert.deepEqual((await client.listResources()).resources, []);
    assert.deepEqual((await client.listPrompts()).prompts, []);
    await assert.rejects(
      client.readResource({ uri: 'mail+inbox://messages/1' }),
      (err: Error & { code?: number; data?: Json }) => {
        assert.equal(err.code, -32003);
        assert.equal((err.data?.['mandate/decision'] as Json).outcome, 'deny');
        return true;
      },
    );
    await assert.rejects(
      client.getPrompt({ name: 'mail__compose', arguments: { to: 'bob' } }),
      (err: Error & { code?: number }) => err.code === -32003,
    );
    await assert.rejects(
      client.readResource({ uri: 'inbox://messages/1' }),
      (err: Error & { code?: number }) => err.code === -32602,
      'an un-namespaced uri names no upstream',
    );
    await client.close();
  });

  test('prompts: listed and got namespaced, through policy', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    assert.deepEqual(
      (await client.listPrompts()).prompts.map((p) => p.name),
      ['mail__compose'],
    );
    const prompt = await client.getPrompt({ name: 'mail__compose', arguments: { to: 'bob' } });
    assert.deepEqual(prompt.messages, [
      { role: 'user', content: { type: 'text', text: 'write a short email to bob' } },
    ]);
    await client.close();
  });

  test('a new upstream tool: the catalog learns it and the agent is told the list changed', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    await client.listTools();
    env.mail.addTool('fresh');
    await eventually(() => changed > 0, 'tools/list_changed reaches the agent');
    await eventually(
      async () => (await client.listTools()).tools.some((t) => t.name === 'mail__fresh'),
      'the new tool is listed',
    );
    const catalog = (await (
      await fetch(`${env.server.url}/v1/tools?server=mail`, {
        headers: { authorization: `Bearer ${env.server.adminToken}` },
      })
    ).json()) as { tools: Json[] };
    assert.equal(
      catalog.tools.find((t) => t.id === 'mail/fresh')?.side_effect,
      'destructive',
      'unannotated: the restrictive default',
    );
    const sync = (await auditEvents(env.server)).filter(
      (e) => e.action === 'tool_catalog.sync' && JSON.stringify(e.details).includes('mail/fresh'),
    );
    assert.ok(sync.length > 0, 'the change is audited');
    await client.close();
  });
});
