// Expiry everywhere, on a manual clock (no sleeping): an unanswered grant request expires, a grant
// expires (and no token issued under it outlives it), an unanswered approval expires; a human
// session expires. The admin answers here (the admin token acts as the human `admin`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { ManualClock } from '../../../src/core/clock.js';
import { Browser } from './browser.js';
import {
  agentFor,
  agentForm,
  asAdmin,
  asHuman,
  attestAgain,
  authorize,
  exchangeGrant,
  GATEWAY,
  mailTools,
  requestGrant,
  startDelegationServer,
  type DelegationServer,
} from './helpers.js';

const ALICE = 'alice@example.org';

describe('expiry of grant requests, grants, approvals and sessions', () => {
  const clock = new ManualClock(Date.now());
  let server: DelegationServer;

  /** Moves time on; the agent's SVIDs have expired with it, so it attests again. */
  async function later(seconds: number) {
    clock.advance(seconds * 1000);
    return attestAgain(server, 'mailbot');
  }

  before(async () => {
    server = await startDelegationServer({
      clock,
      flags: { grantRequestTtl: 600, approvalTtl: 300, humanSessionTtl: 3600 },
    });
    await mailTools(server);
    await agentFor(server, 'mailbot', 'olivia@example.org', ['tool:mail/*']);
  });
  after(() => server?.stop());

  test('an unanswered grant request expires: it cannot be approved, and the agent is told', async () => {
    let agent = await attestAgain(server, 'mailbot');
    const asked = await requestGrant(server, agent, ALICE, ['tool:mail/read'], 3600);
    const id = String(asked.json.id);
    assert.equal(asked.json.expires_at, new Date(clock.now() + 600_000).toISOString());
    agent = await later(600);
    assert.equal(
      (await agentForm(server, agent, `/v1/grant-requests/${id}/status`, {})).json.status,
      'expired',
      'expired at exactly its expiry',
    );
    const approve = await asAdmin(server, 'POST', `/v1/grant-requests/${id}/approve`, {});
    assert.equal(approve.status, 409);
    assert.match(String(approve.json.detail), /expired/);
    const listed = await asAdmin(server, 'GET', '/v1/grant-requests?status=expired');
    assert.ok((listed.json.grant_requests as { id: string }[]).some((r) => r.id === id));
    assert.equal((await exchangeGrant(server, agent, id)).status, 400, 'no grant came of it');
  });

  test('a grant expires: its tokens never outlive it, and no token is issued after', async () => {
    let agent = await attestAgain(server, 'mailbot');
    const id = String((await requestGrant(server, agent, ALICE, ['tool:mail/read'], 3600)).json.id);
    const approved = await asAdmin(server, 'POST', `/v1/grant-requests/${id}/approve`, {
      ttl: 120,
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    const grantExp = Date.parse(String((approved.json.grant as { expires_at: string }).expires_at));
    assert.equal(grantExp, clock.now() + 120_000);
    const issued = await exchangeGrant(server, agent, id);
    assert.equal(issued.status, 200, JSON.stringify(issued.json));
    const token = String(issued.json.access_token);
    const exp = decodeJwt(token).exp! * 1000;
    assert.ok(
      exp <= grantExp && exp > grantExp - 1000,
      'capped at the grant, to the second (the task-token limit is longer)',
    );
    assert.equal((await authorize(server, token, 'mail/read')).decision, 'allow');
    agent = await later(120);
    const late = await exchangeGrant(server, agent, id);
    assert.equal(late.status, 400);
    assert.match(String(late.json.error_description), /expired/);
    // The token's exp is the grant's expiry; a verifier forgives up to its clock tolerance (30 s by default) past exp.
    clock.advance(30_000);
    assert.equal(
      (await authorize(server, token, 'mail/read')).decision,
      'deny',
      'the token expired with the grant',
    );
    const grants = await asAdmin(server, 'GET', `/v1/grants?human=${encodeURIComponent(ALICE)}`);
    assert.equal(
      (grants.json.grants as { id: string; status: string }[]).find((g) => g.id === id)?.status,
      'expired',
    );
    assert.equal(
      (await asAdmin(server, 'POST', `/v1/grants/${id}/narrow`, { scopes: ['tool:mail/read'] }))
        .status,
      409,
      'an expired grant cannot be narrowed',
    );
  });

  test('an unanswered approval expires: too late to approve, and nothing to spend', async () => {
    const agent = await attestAgain(server, 'mailbot');
    const id = String(
      (await requestGrant(server, agent, ALICE, ['tool:mail/delete'], 3600)).json.id,
    );
    await asAdmin(server, 'POST', `/v1/grant-requests/${id}/approve`, {});
    const issued = await exchangeGrant(server, agent, id);
    const token = String(issued.json.access_token);
    const d = await authorize(server, token, 'mail/delete', { id: 'm1' });
    assert.equal(d.decision, 'approval_required');
    const call = {
      agent: agent.spiffeId!,
      taskId: String(issued.json.task_id),
      target: 'mail/delete',
      arguments: { id: 'm1' },
      policySetVersion: String(d.policy_set_version),
      reasons: d.reasons as string[],
    };
    const ticket = await server.mandate.approvals.request({
      ...call,
      decisionId: String(d.decision_id),
      audience: GATEWAY,
    });
    clock.advance(300_000);
    const tooLate = await asAdmin(server, 'POST', `/v1/approvals/${ticket.id}/approve`, {});
    assert.equal(tooLate.status, 409);
    assert.equal(await server.mandate.approvals.consume(call), false);
    assert.equal(
      (await asAdmin(server, 'GET', `/v1/approvals/${ticket.id}`)).json.status,
      'expired',
    );
  });

  test('a human session expires', async () => {
    const browser = new Browser();
    const page = await browser.get(`${server.url}/inbox`);
    await browser.submit(page, { token: server.adminToken }, '/auth/local');
    assert.equal((await asHuman(server, browser, 'GET', '/v1/inbox')).status, 200);
    clock.advance(3600_000);
    assert.equal((await asHuman(server, browser, 'GET', '/v1/inbox')).status, 401);
    assert.match((await browser.get(`${server.url}/inbox`)).html, /Sign in/);
  });
});
