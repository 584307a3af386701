// The gateway's enforcement end to end, with a Streamable HTTP upstream (mail) and a stdio one
// (files, a child process per session): brokered credentials injected (and seen nowhere else),
// approval_required with a real approval, revocation mid-session, a failing decision point.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import {
  auditEvents,
  eventually,
  filesUpstream,
  gatewayTask,
  logCapture,
  mcpClient,
  startGateway,
  type GatewayEnv,
  type Json,
} from './helpers.js';

const MAIL_SECRET = 'mail-api-key-5b1e0c7d9a2f4e68';
const FILES_SECRET = 'files-token-c0ffee-8d2b41a7';
const SCOPES = ['tool:mail/*', 'tool:files/*'];

const text = (r: CallToolResult): string => (r.content as { text: string }[])[0]!.text;
const decisionOf = (r: CallToolResult): Json => (r._meta as Json)['mandate/decision'] as Json;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('mcp gateway: enforcement', () => {
  const logs = logCapture();
  const root = mkdtempSync(join(tmpdir(), 'mandate-files-'));
  let env: GatewayEnv;
  let agent: MandateAgent;
  /** Everything an agent got back, to check that no secret is in it. */
  const seenByAgent: unknown[] = [];

  before(async () => {
    env = await startGateway({
      logger: { level: 'debug', stream: logs.stream },
      mailUpstream: {
        headers: {},
        credential: { provider: 'static', secret: 'mail-key', as: 'bearer' },
      },
      upstreams: [
        filesUpstream(root, {
          credential: {
            provider: 'static',
            secret: 'files-token',
            as: 'header',
            header: 'x-files-token',
            env: { FILES_TOKEN: 'x-files-token' },
          },
          identity: { env: 'MANDATE_IDENTITY' },
        }),
      ],
    });
    for (const [id, value] of [
      ['mail-key', MAIL_SECRET],
      ['files-token', FILES_SECRET],
    ] as const) {
      const res = await fetch(`${env.server.url}/v1/secrets/${id}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${env.server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ value }),
      });
      assert.equal(res.status, 201);
    }
    agent = await attestedAgent(env.server, 'alpha', SCOPES);
  });
  after(async () => {
    await env.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('both upstreams are listed, the stdio one included', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'files__delete_file',
      'files__env_digest',
      'files__read_file',
      'mail__ask_name',
      'mail__count',
      'mail__list_roots',
      'mail__read_inbox',
      'mail__send_email',
      'mail__summarize',
      'mail__wait',
    ]);
    await client.close();
  });

  test("http upstream: the broker's credential is injected; the agent, the audit trail and the log never see it", async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const r = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'c@partner.example', subject: 's', body: 'b' },
    })) as CallToolResult;
    seenByAgent.push(r);
    assert.equal(r.isError, undefined, text(r));
    assert.equal(
      env.mail.calls.at(-1)?.authorization,
      `Bearer ${MAIL_SECRET}`,
      'the upstream got the secret',
    );
    await client.close();
  });

  test("stdio upstream: the credential is in the child's environment (the agent only gets a digest)", async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const r = (await client.callTool({
      name: 'files__env_digest',
      arguments: { name: 'FILES_TOKEN' },
    })) as CallToolResult;
    seenByAgent.push(r);
    const seen = JSON.parse(text(r)) as { set: boolean; sha256: string };
    assert.equal(seen.set, true);
    assert.equal(seen.sha256, createHash('sha256').update(FILES_SECRET).digest('hex'));
    const r2 = (await client.callTool({
      name: 'files__env_digest',
      arguments: { name: 'MANDATE_ADMIN_TOKEN' },
    })) as CallToolResult;
    assert.equal(
      (JSON.parse(text(r2)) as { set: boolean }).set,
      false,
      "the child does not inherit the server's environment",
    );
    const r3 = (await client.callTool({
      name: 'files__env_digest',
      arguments: { name: 'MANDATE_IDENTITY' },
    })) as CallToolResult;
    assert.equal(
      (JSON.parse(text(r3)) as { set: boolean }).set,
      true,
      "the caller's identity assertion is in the child's environment",
    );
    await client.close();
  });

  test('secrets appear in no response, audit event or log line', async () => {
    const audit = JSON.stringify(await auditEvents(env.server));
    const agentSide = JSON.stringify(seenByAgent);
    for (const secret of [MAIL_SECRET, FILES_SECRET]) {
      assert.ok(!agentSide.includes(secret), 'not in what the agent got');
      assert.ok(!audit.includes(secret), 'not in the audit trail');
      assert.ok(!logs.text().includes(secret), 'not in the log');
    }
    assert.ok(logs.text().length > 0, 'the log was captured');
  });

  test('approval_required: the call is refused with the approval id and where to approve; once approved, the identical call goes through exactly once', async () => {
    writeFileSync(join(root, 'doomed.txt'), 'bye');
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const call = { name: 'files__delete_file', arguments: { path: 'doomed.txt' } };
    const first = (await client.callTool(call)) as CallToolResult;
    assert.equal(first.isError, true);
    const d = decisionOf(first);
    assert.equal(d.outcome, 'approval_required');
    assert.deepEqual(d.reasons, ['mandate.destructive-needs-approval']);
    const approval = d.approval as Json;
    assert.match(String(approval.id), /^apr_/);
    assert.equal(
      approval.approve_url,
      `${env.server.url}/v1/approvals/${String(approval.id)}/approve`,
    );
    assert.ok(
      text(first).includes(String(approval.id)) &&
        text(first).includes(String(approval.approve_url)),
    );
    assert.ok(existsSync(join(root, 'doomed.txt')), 'nothing was forwarded');

    const again = (await client.callTool(call)) as CallToolResult;
    assert.equal(
      (decisionOf(again).approval as Json).id,
      approval.id,
      'while pending, the identical call shares the approval',
    );

    const res = await fetch(String(approval.approve_url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.server.adminToken}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    assert.equal(res.status, 200, await res.text());
    const other = (await client.callTool({
      name: 'files__delete_file',
      arguments: { path: 'other.txt' },
    })) as CallToolResult;
    assert.equal(
      decisionOf(other).outcome,
      'approval_required',
      'the approval is bound to the arguments it was given for',
    );

    const approved = (await client.callTool(call)) as CallToolResult;
    assert.equal(approved.isError, undefined, text(approved));
    assert.equal(text(approved), 'deleted doomed.txt');
    assert.ok(!existsSync(join(root, 'doomed.txt')));
    const spent = (await client.callTool(call)) as CallToolResult;
    assert.equal(decisionOf(spent).outcome, 'approval_required', 'an approval is single use');
    assert.notEqual((decisionOf(spent).approval as Json).id, approval.id);
    await client.close();
  });

  test('a task ended mid-session: the next call is refused, the session and its stdio child are closed, and the end is audited', async () => {
    const { token, taskId } = await gatewayTask(env, agent, SCOPES);
    const { client, transport } = await mcpClient(env, token);
    const sessionId = transport.sessionId!;
    const r = (await client.callTool({
      name: 'files__env_digest',
      arguments: { name: 'FILES_TOKEN' },
    })) as CallToolResult;
    const { pid } = JSON.parse(text(r)) as { pid: number };
    assert.ok(alive(pid), 'the session has its own child');
    await env.server.admin.endTask(taskId);
    await assert.rejects(
      client.callTool({
        name: 'mail__send_email',
        arguments: { to: 'x@partner.example', subject: 's', body: 'b' },
      }),
      /401|invalid_token|revoked/i,
    );
    await eventually(() => !alive(pid), "the session's stdio child exits");
    const end = (await auditEvents(env.server)).find(
      (e) => e.action === 'gateway.session_end' && (e.details as Json).session === sessionId,
    );
    assert.ok(end, 'the session end is audited');
    assert.equal((end.details as Json).reason, 'task_ended');
    assert.deepEqual(((end.details as Json).upstreams as string[]).sort(), ['files']);
    const start = (await auditEvents(env.server)).find(
      (e) => e.action === 'gateway.session_start' && (e.details as Json).session === sessionId,
    );
    assert.equal((start?.details as Json).task, taskId);
    await client.close().catch(() => undefined);
  });

  test('a revoked token is refused on the next request of its session', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    await client.listTools();
    const res = await fetch(`${env.server.url}/oauth/revoke`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.server.adminToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    assert.equal(res.status, 200);
    await assert.rejects(client.listTools(), /401|invalid_token|revoked/i);
    await client.close().catch(() => undefined);
  });

  test('the decision point failing: the call is refused saying so, nothing is forwarded (fail closed)', async () => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const { client } = await mcpClient(env, token);
    const decisions = env.server.mandate.decisions;
    const original = decisions.authorize;
    decisions.authorize = async () => {
      throw new Error('cedar engine crashed');
    };
    const before = env.mail.calls.length;
    try {
      const r = (await client.callTool({
        name: 'mail__send_email',
        arguments: { to: 'd@partner.example', subject: 's', body: 'b' },
      })) as CallToolResult;
      assert.equal(r.isError, true);
      assert.equal(decisionOf(r).error, 'decision_point_unavailable');
      assert.match(text(r), /decision point is unavailable.*fails closed/);
      assert.equal(env.mail.calls.length, before);
    } finally {
      decisions.authorize = original;
    }
    const ok = (await client.callTool({
      name: 'mail__send_email',
      arguments: { to: 'd@partner.example', subject: 's', body: 'b' },
    })) as CallToolResult;
    assert.equal(ok.isError, undefined, 'and decides again once it is back');
    await client.close();
  });
});
