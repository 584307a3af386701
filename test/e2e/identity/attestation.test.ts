// Join-token attestation over HTTP: single use, expiry, unknown tokens, inactive agents, and
// the audit trail every attempt leaves (without the token in it).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  admin,
  assertProblem,
  attest,
  auditExport,
  joinToken,
  registerAgent,
  request,
  type HttpResult,
  type AttestResponse,
} from './helpers.js';

const SVID = { jwt_svid: { audience: 'https://tools.example.org' } };

function assertAttestationFailed(res: HttpResult<unknown>, reason: string): string {
  const problem = assertProblem(res, 401, 'attestation_failed');
  assert.equal(problem.reason, reason, res.text);
  return problem.request_id;
}

function assertOk(res: HttpResult<AttestResponse>, agent: string): string {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.agent, agent);
  assert.equal(res.body.spiffe_id, `spiffe://mandate.local/agent/${agent}`);
  assert.ok(res.body.jwt_svid?.token);
  return res.body.jwt_svid.token;
}

describe('join-token attestation', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ clock });
    await registerAgent(server, 'worker');
    await registerAgent(server, 'sleeper');
  });
  after(() => server.stop());

  it('issues svids for a fresh join token and refuses its reuse', async () => {
    const token = await joinToken(server, 'worker');
    assert.match(token, /^mjt_/);
    assertOk(await attest(server, { join_token: token, ...SVID }), 'worker');
    assertAttestationFailed(
      await attest(server, { join_token: token, ...SVID }),
      'join_token_used',
    );
  });

  it('refuses an expired join token', async () => {
    const token = await joinToken(server, 'worker', 1);
    clock.advance(2_000);
    assertAttestationFailed(
      await attest(server, { join_token: token, ...SVID }),
      'join_token_expired',
    );
  });

  it('accepts a join token until its ttl and not after', async () => {
    const token = await joinToken(server, 'worker', 60);
    clock.advance(59_000);
    assertOk(await attest(server, { join_token: token, ...SVID }), 'worker');
    const late = await joinToken(server, 'worker', 60);
    clock.advance(60_000);
    assertAttestationFailed(
      await attest(server, { join_token: late, ...SVID }),
      'join_token_expired',
    );
  });

  it('refuses an unknown join token', async () => {
    assertAttestationFailed(
      await attest(server, { join_token: `mjt_${'A'.repeat(43)}`, ...SVID }),
      'join_token_unknown',
    );
    assertAttestationFailed(
      await attest(server, { join_token: 'not-even-a-join-token', ...SVID }),
      'join_token_unknown',
    );
  });

  it('requires exactly one kind of evidence', async () => {
    assertProblem(await attest(server, SVID), 400, 'invalid_request');
    const token = await joinToken(server, 'worker');
    assertProblem(
      await attest(server, { join_token: token, attestation_jwt: 'a.b.c', ...SVID }),
      400,
      'invalid_request',
    );
  });

  it('refuses a suspended agent without spending its join token', async () => {
    const token = await joinToken(server, 'sleeper');
    await admin(server, 'POST', '/v1/agents/sleeper/suspend');
    assertProblem(await attest(server, { join_token: token, ...SVID }), 403, 'agent_inactive');
    // No new join tokens for it either.
    assertProblem(
      await request(server.url, 'POST', '/v1/agents/sleeper/join-tokens', {
        token: server.adminToken,
        json: {},
      }),
      403,
      'agent_inactive',
    );
    await admin(server, 'POST', '/v1/agents/sleeper/resume');
    assertOk(await attest(server, { join_token: token, ...SVID }), 'sleeper');
  });

  it('refuses a retired agent', async () => {
    const token = await joinToken(server, 'sleeper');
    await admin(server, 'POST', '/v1/agents/sleeper/retire');
    assertProblem(await attest(server, { join_token: token, ...SVID }), 403, 'agent_inactive');
  });

  it('audits every failed attempt, with its reason, and never the token', async () => {
    await registerAgent(server, 'audited');
    const secrets: string[] = [];
    const failures = new Map<string, string>();

    const used = await joinToken(server, 'audited');
    secrets.push(used, assertOk(await attest(server, { join_token: used, ...SVID }), 'audited'));
    failures.set(
      assertAttestationFailed(
        await attest(server, { join_token: used, ...SVID }),
        'join_token_used',
      ),
      'join_token_used',
    );

    const expired = await joinToken(server, 'audited', 1);
    secrets.push(expired);
    clock.advance(2_000);
    failures.set(
      assertAttestationFailed(
        await attest(server, { join_token: expired, ...SVID }),
        'join_token_expired',
      ),
      'join_token_expired',
    );

    const unknown = `mjt_${'Z'.repeat(43)}`;
    secrets.push(unknown);
    failures.set(
      assertAttestationFailed(
        await attest(server, { join_token: unknown, ...SVID }),
        'join_token_unknown',
      ),
      'join_token_unknown',
    );

    const { text, events } = await auditExport(server);
    for (const [requestId, reason] of failures) {
      const event = events.find((e) => e.request_id === requestId);
      assert.ok(event, `no audit event for the failed attempt ${requestId} (${reason})`);
      assert.equal(event.action, 'agent.attest');
      assert.equal(event.outcome, 'failure');
      assert.equal(event.details?.reason, reason);
      assert.equal(event.details?.code, 'attestation_failed');
    }
    const inactive = events.filter(
      (e) =>
        e.action === 'agent.attest' &&
        e.outcome === 'failure' &&
        e.details?.code === 'agent_inactive',
    );
    assert.ok(inactive.length >= 2, 'suspended and retired attempts are audited too');
    assert.ok(
      events.some(
        (e) =>
          e.action === 'agent.attest' &&
          e.outcome === 'success' &&
          e.target === 'spiffe://mandate.local/agent/audited',
      ),
    );
    for (const secret of secrets)
      assert.ok(!text.includes(secret), 'the audit export contains a token');
    // Nothing that looks like a join token or a JWT is in the export at all.
    assert.doesNotMatch(text, /mjt_[A-Za-z0-9_-]{16,}/);
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./);
  });
});
