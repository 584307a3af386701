// The operator's side through the real CLI (in process through buildProgram, the admin token): an agent's grant
// request listed by `mandate grants requests`, approved narrowed by `mandate grants approve`, a
// pending per-call approval listed by `mandate approvals list` and answered by `mandate approvals
// approve`, a grant narrowed by `mandate grants narrow`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { runCli } from '../helpers/cli.js';
import {
  agentFor,
  authorize,
  exchangeGrant,
  GATEWAY,
  mailTools,
  requestGrant,
  startDelegationServer,
  type DelegationServer,
} from './helpers.js';

describe('mandate grants / mandate approvals', () => {
  let server: DelegationServer;
  let agent: MandateAgent;
  const cli = (...args: string[]) =>
    runCli([...args, '--url', server.url], { env: { MANDATE_ADMIN_TOKEN: server.adminToken } });

  before(async () => {
    server = await startDelegationServer();
    await mailTools(server);
    agent = await agentFor(server, 'mailbot', 'olivia@example.org', ['tool:mail/*']);
  });
  after(() => server?.stop());

  test('grants requests, approve narrowed, narrow; approvals list, show, approve', async () => {
    const id = String(
      (
        await requestGrant(
          server,
          agent,
          'alice@example.org',
          ['tool:mail/read', 'tool:mail/delete', 'tool:mail/send'],
          3600,
          'clean up the inbox',
        )
      ).json.id,
    );
    const listed = await cli('grants', 'requests');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${id}\\s+pending\\s+alice@example\\.org`));
    assert.match(listed.stdout, /clean up the inbox/);
    const json = JSON.parse((await cli('grants', 'requests', '--json')).stdout) as { id: string }[];
    assert.deepEqual(
      json.map((r) => r.id),
      [id],
    );

    const wider = await cli('grants', 'approve', id, '--scope', 'tool:*');
    assert.equal(wider.code, 1);
    assert.match(wider.stderr, /narrowing cannot add `tool:\*`/);
    const approved = await cli(
      'grants',
      'approve',
      id,
      '--scope',
      'tool:mail/read',
      'tool:mail/delete',
      '--ttl',
      '600',
      '--note',
      'cli',
    );
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(
      approved.stdout,
      /approved: grant .* \(tool:mail\/delete tool:mail\/read\)|approved: grant .* \(tool:mail\/read tool:mail\/delete\)/,
    );
    assert.equal((await cli('grants', 'requests')).stdout.trim(), 'no grant request is waiting');

    const issued = await exchangeGrant(server, agent, id);
    const token = String(issued.json.access_token);
    const d = await authorize(server, token, 'mail/delete', { id: 'm9' });
    const ticket = await server.mandate.approvals.request({
      agent: agent.spiffeId!,
      taskId: String(issued.json.task_id),
      target: 'mail/delete',
      arguments: { id: 'm9' },
      policySetVersion: String(d.policy_set_version),
      reasons: d.reasons as string[],
      decisionId: String(d.decision_id),
      audience: GATEWAY,
    });
    const pending = await cli('approvals', 'list');
    assert.equal(pending.code, 0, pending.stderr);
    assert.match(pending.stdout, new RegExp(`${ticket.id}\\s+pending\\s+mail/delete`));
    const shown = await cli('approvals', 'show', ticket.id);
    assert.match(shown.stdout, /arguments:\s+sha-256 [0-9a-f]{64}/);
    const yes = await cli('approvals', 'approve', ticket.id, '--note', 'ok from the cli');
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, new RegExp(`approved ${ticket.id}: mail/delete`));
    assert.equal((await server.mandate.approvals.get(ticket.id))?.decidedBy, 'admin');
    assert.equal((await cli('approvals', 'approve', ticket.id)).code, 1, 'not pending any more');

    const narrowed = await cli('grants', 'narrow', id, '--scope', 'tool:mail/read');
    assert.equal(narrowed.code, 0, narrowed.stderr);
    assert.match(narrowed.stdout, /narrowed grant .* to tool:mail\/read .*ended 1 task/);
    assert.equal((await cli('grants', 'narrow', id)).code, 2, 'nothing to narrow by');
  });
});
