import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import type { Clock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  adminCall,
  adminOk,
  delegate,
  exchange,
  registerAgent,
  RESOURCE,
  revoke,
  startTask,
  tokenOk,
  TOKEN_TYPE,
} from '../oauth/helpers.js';
import { startRemoteGateway, TcpProxy, waitFor, type RemoteGateway } from './helpers.js';

/**
 * Issue 7: revoke through Mandate's API → the next call at an enforcement point running in
 * another process, which follows GET /v1/events through a TCP proxy the tests control, is
 * denied. "Next" is made exact without timing: the call is made once the gateway has applied
 * every event the server has (its seq caught up), and must be refused.
 *
 * The server's clock is the system's shifted by `skew`, which a test moves forward instead of
 * waiting; its timers stay the system's (it has none of its own), because the gateway in the other
 * process checks the heartbeats against its own wall clock.
 */
describe('revocation reaches a remote gateway in another process', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  let gw: RemoteGateway;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };
  let skew = 0;
  const clock: Clock = { now: () => Date.now() + skew };

  before(async () => {
    server = await startTestServer({ clock, flags: { eventsHeartbeat: 1 } });
    alpha.id = await registerAgent(server, 'alpha');
    beta.id = await registerAgent(server, 'beta');
    await addTrustRule(server, alpha.id, beta.id);
    proxy = await TcpProxy.start(Number(new URL(server.url).port));
    gw = await startRemoteGateway({
      mandateUrl: server.config.issuer,
      eventsUrl: proxy.url,
      token: server.adminToken,
      audience: RESOURCE,
      maxStalenessMs: 3000,
    });
  });

  after(async () => {
    await gw?.stop();
    await proxy?.close();
    await server?.stop();
  });

  /** Once the gateway has applied every event the server has, one call. */
  async function callWhenCaughtUp(token: string) {
    const target = server.mandate.revocationBus.seq;
    await waitFor(
      `the gateway to reach seq ${target}`,
      async () => (await gw.status()).seq >= target,
    );
    return gw.call(token);
  }

  async function assertAllowed(token: string): Promise<void> {
    const res = await gw.call(token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  async function assertDenied(token: string, reason: RegExp): Promise<void> {
    const res = await callWhenCaughtUp(token);
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error, 'invalid_token');
    assert.match(String(res.body.error_description), reason);
  }

  test('a task ended through the API: its token is denied at the next call', async () => {
    const task = await startTask(server, alpha, [['scope', 'tool:search']]);
    await assertAllowed(task.access_token);
    await adminOk(server, 'POST', `/v1/tasks/${task.task_id}/end`);
    await assertDenied(task.access_token, /task ended/);
  });

  test('a token revoked at /oauth/revoke: it and its delegated descendant are denied, another task is not', async () => {
    const parent = await startTask(server, alpha);
    const child = await delegate(server, alpha, parent.access_token, 'beta', [
      ['scope', 'tool:search'],
    ]);
    const other = await startTask(server, alpha);
    for (const t of [parent, child, other]) await assertAllowed(t.access_token);
    await revoke(server, parent.access_token);
    await assertDenied(child.access_token, /an ancestor token was revoked/);
    await assertDenied(parent.access_token, /token revoked/);
    await assertAllowed(other.access_token);
  });

  test('an agent suspended: its tokens are denied; resumed: the old token stays dead, a new one works', async () => {
    const gamma = { name: 'gamma', id: await registerAgent(server, 'gamma') };
    const old = await startTask(server, gamma);
    await assertAllowed(old.access_token);
    await adminOk(server, 'POST', '/v1/agents/gamma/suspend');
    await assertDenied(old.access_token, /agent `spiffe:\/\/[^`]+\/agent\/gamma` is not active/);
    await adminOk(server, 'POST', '/v1/agents/gamma/resume');
    await assertDenied(old.access_token, /was suspended after this token was issued/);
    // Token `iat` has whole seconds and the cutoff is the resume's millisecond: a token of the resume's own second counts as older (fail closed).
    // So the next token is of a later second: the server's clock moves there (well within the verifiers' 30 s skew).
    skew += 1000 - (clock.now() % 1000) + 20;
    const fresh = await startTask(server, gamma);
    await assertAllowed(fresh.access_token);
  });

  test('a grant revoked: the on-behalf-of token derived from it is denied', async () => {
    const grant = await adminOk<{ id: string }>(server, 'POST', '/v1/grants', {
      human: 'alice@example.org',
      agent: 'alpha',
      scopes: ['tool:search'],
      purpose: 'triage my inbox',
      ttl: 600,
    });
    const tok = tokenOk(
      await exchange(server, alpha, [
        ['subject_token', grant.id],
        ['subject_token_type', TOKEN_TYPE.grant],
        ['scope', 'tool:search'],
        ['resource', RESOURCE],
      ]),
    );
    await assertAllowed(tok.access_token);
    await adminOk(server, 'POST', `/v1/grants/${grant.id}/revoke`);
    await assertDenied(tok.access_token, /delegation grant revoked/);
  });

  test('an approved approval revoked: the remote feed refuses it and it can no longer be spent', async () => {
    const task = await startTask(server, alpha);
    const ticket = await server.mandate.approvals.request({
      agent: alpha.id,
      taskId: task.task_id,
      target: 'mail/send',
      arguments: { to: 'bob@example.org' },
      policySetVersion: '1',
      decisionId: 'd-1',
      reasons: ['mandate.destructive-approval'],
      audience: RESOURCE,
    });
    await waitFor(
      'the gateway to know the approval is not revoked',
      async () =>
        (
          (await (await fetch(`${gw.url}/approval/${ticket.id}`)).json()) as {
            revoked: string | null;
          }
        ).revoked === null,
    );
    await server.mandate.approvals.decide(ticket.id, { approve: true, by: 'alice@example.org' });
    const revoked = await adminOk<{ status: string }>(
      server,
      'POST',
      `/v1/approvals/${ticket.id}/revoke`,
      { reason: 'changed my mind' },
    );
    assert.equal(revoked.status, 'revoked');
    const target = server.mandate.revocationBus.seq;
    await waitFor('the gateway to catch up', async () => (await gw.status()).seq >= target);
    assert.deepEqual(await (await fetch(`${gw.url}/approval/${ticket.id}`)).json(), {
      revoked: 'approval revoked',
    });
    assert.equal(
      (await adminCall(server, 'POST', `/v1/approvals/${ticket.id}/revoke`)).status,
      409,
      'a revoked approval cannot be revoked again',
    );
    const listed = await adminOk<{ approvals: { id: string; status: string }[] }>(
      server,
      'GET',
      '/v1/approvals?status=revoked',
    );
    assert.deepEqual(
      listed.approvals.map((a) => [a.id, a.status]),
      [[ticket.id, 'revoked']],
      'the admin lists revoked approvals',
    );
    assert.equal(
      await server.mandate.approvals.consume({
        agent: alpha.id,
        taskId: task.task_id,
        target: 'mail/send',
        arguments: { to: 'bob@example.org' },
        policySetVersion: '1',
        reasons: ['mandate.destructive-approval'],
      }),
      false,
    );
  });

  test('a dropped stream resumes from Last-Event-ID: what was revoked meanwhile arrives, without a snapshot, in seq order', async () => {
    const first = await startTask(server, alpha);
    const second = await startTask(server, alpha);
    await assertAllowed(first.access_token);
    await assertAllowed(second.access_token);
    const before = await gw.status();
    proxy.block();
    await waitFor('the gateway to notice the drop', async () => !(await gw.status()).connected);
    await adminOk(server, 'POST', `/v1/tasks/${first.task_id}/end`);
    const missedFirst = server.mandate.revocationBus.seq;
    await revoke(server, second.access_token);
    const missedSecond = server.mandate.revocationBus.seq;
    proxy.unblock();
    await assertDenied(first.access_token, /task ended/);
    await assertDenied(second.access_token, /token revoked/);
    const after = await gw.status();
    assert.equal(after.snapshots, before.snapshots, 'no snapshot: the stream resumed');
    assert.ok(after.resumes > before.resumes);
    const applied = after.applied.filter((u) => u.type === 'revocation').map((u) => u.seq);
    assert.ok(
      applied.includes(missedFirst) && applied.includes(missedSecond),
      'both events missed while disconnected arrived',
    );
    assert.deepEqual(
      after.applied.find((u) => u.seq === missedFirst),
      { type: 'revocation', seq: missedFirst, kind: 'task', id: first.task_id },
    );
  });

  test('a stalled stream fails closed and says it is stale, never open; it recovers once the stream flows again', async () => {
    const task = await startTask(server, alpha);
    await assertAllowed(task.access_token);
    proxy.pause();
    try {
      await waitFor(
        'the gateway to consider its stream stale',
        async () => (await gw.status()).stale,
      );
      const res = await gw.call(task.access_token);
      assert.equal(
        res.status,
        401,
        'a valid, unrevoked token is refused while revocation status is unknown',
      );
      assert.match(
        String(res.body.error_description),
        /revocation stream is stale \(no event or heartbeat for [\d.]+ s, at most 3\.0 s allowed\)/,
      );
    } finally {
      proxy.resume();
    }
    await waitFor('the gateway to be fresh again', async () => !(await gw.status()).stale);
    await assertAllowed(task.access_token);
  });

  test('every update the gateway applied came in strictly increasing seq order', async () => {
    const { applied } = await gw.status();
    assert.ok(applied.length > 0);
    for (let i = 1; i < applied.length; i++) {
      const [prev, cur] = [applied[i - 1]!, applied[i]!];
      if (cur.type === 'revocation')
        assert.ok(cur.seq > prev.seq, `seq ${cur.seq} after ${prev.seq}`);
      else
        assert.ok(cur.seq >= prev.seq, `a snapshot never goes back: ${cur.seq} after ${prev.seq}`);
    }
  });

  test('a signing key revoked: tokens it signed are denied, cached ones too; tokens of the next key work', async () => {
    const task = await startTask(server, alpha);
    await assertAllowed(task.access_token);
    const kid = decodeProtectedHeader(task.access_token).kid!;
    const revoked = await adminOk<{ kid: string; published: boolean }>(
      server,
      'POST',
      `/v1/keys/${encodeURIComponent(kid)}/revoke`,
    );
    assert.equal(revoked.published, false);
    const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    assert.ok(!jwks.keys.some((k) => k.kid === kid), 'the key left the JWKS');
    await assertDenied(task.access_token, new RegExp(`signing key \`${kid}\` was revoked`));
    const next = await startTask(server, alpha);
    assert.notEqual(decodeProtectedHeader(next.access_token).kid, kid);
    await assertAllowed(next.access_token);
  });
});
