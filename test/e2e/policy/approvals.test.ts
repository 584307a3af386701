import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, spiffeIdOf } from '../helpers/agents.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';

describe('approvals over HTTP', () => {
  let server: TestServer;
  let agent: MandateAgent;
  let token: string;
  let otherTaskToken: string;
  let approvalId: string;

  before(async () => {
    server = await startTestServer();
    agent = await attestedAgent(server, 'approver-e2e', ['tool:files/*']);
    const task = await agent.startTask({
      resource: GATEWAY,
      scope: ['tool:files/delete_file'],
      purpose: 'approvals e2e',
      ttlSeconds: 600,
    });
    const other = await agent.startTask({
      resource: GATEWAY,
      scope: ['tool:files/delete_file'],
      purpose: 'another task',
      ttlSeconds: 600,
    });
    token = task.accessToken;
    otherTaskToken = other.accessToken;
    const taskId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
      .task_id as string;
    const ticket = await server.mandate.approvals.request({
      agent: spiffeIdOf(server, 'approver-e2e'),
      taskId,
      target: 'files/delete_file',
      arguments: { path: '/tmp/x' },
      policySetVersion: '1',
      decisionId: 'd-1',
      reasons: ['mandate.destructive-needs-approval'],
      audience: GATEWAY,
    });
    approvalId = ticket.id;
    assert.equal(ticket.statusUrl, `${server.url}/v1/approvals/${approvalId}/status`);
  });

  after(async () => {
    await server.stop();
  });

  const poll = (id: string, auth?: string) =>
    fetch(`${server.url}/v1/approvals/${id}/status`, {
      headers: auth ? { authorization: auth } : {},
    });

  test('the task holder polls the status; anyone else gets the same 404 as for an unknown id', async () => {
    const none = await poll(approvalId);
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const mine = await poll(approvalId, `Bearer ${token}`);
    assert.equal(mine.status, 200);
    assert.equal(((await mine.json()) as { status: string }).status, 'pending');
    const answers = await Promise.all([
      poll(approvalId, `Bearer ${otherTaskToken}`),
      poll(approvalId, 'Bearer not.a.jwt'),
      poll('apr_unknown', `Bearer ${token}`),
      poll(approvalId, `DPoP ${token}`),
    ]);
    const bodies = await Promise.all(
      answers.map(async (r) => [r.status, ((await r.json()) as { code?: string }).code]),
    );
    assert.deepEqual(bodies, [
      [404, 'not_found'],
      [404, 'not_found'],
      [404, 'not_found'],
      [404, 'not_found'],
    ]);
  });

  test('an operator lists, shows and approves; a second answer is a conflict; the holder sees it approved', async () => {
    const auth = {
      authorization: `Bearer ${server.adminToken}`,
      'content-type': 'application/json',
    };
    const list = (await (
      await fetch(`${server.url}/v1/approvals?status=pending`, { headers: auth })
    ).json()) as { approvals: { id: string; target: string; arguments_digest: string }[] };
    assert.deepEqual(
      list.approvals.map((a) => [a.id, a.target]),
      [[approvalId, 'files/delete_file']],
    );
    const approved = await fetch(`${server.url}/v1/approvals/${approvalId}/approve`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ note: 'once' }),
    });
    assert.equal(approved.status, 200);
    assert.equal(((await approved.json()) as { decided_by: string }).decided_by, 'admin');
    const again = await fetch(`${server.url}/v1/approvals/${approvalId}/deny`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    assert.equal(again.status, 409);
    assert.equal(
      ((await (await poll(approvalId, `Bearer ${token}`)).json()) as { status: string }).status,
      'approved',
    );
    const unknown = await fetch(`${server.url}/v1/approvals/apr_nope/approve`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    assert.equal(unknown.status, 404);
    const noAdmin = await fetch(`${server.url}/v1/approvals`, {});
    assert.equal(noAdmin.status, 401);
  });
});
