// MandateAgent against a real server on loopback: attest → start a task → delegate → end,
// DPoP binding with server nonces, revocation, and renewals under concurrency.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { MandateAgent } from '../../../src/sdk/agent.js';
import { MandateAgentError, MandateApiError } from '../../../src/sdk/errors.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, introspect, spiffeIdOf } from '../helpers/agents.js';

const READ = 'tool:github/read';
const WRITE = 'tool:github/write';

describe('MandateAgent, bearer tokens', () => {
  let server: TestServer;
  let alpha: MandateAgent;
  let beta: MandateAgent;
  let issuer: string;

  before(async () => {
    server = await startTestServer();
    issuer = server.config.issuer;
    alpha = await attestedAgent(server, 'alpha', [READ, WRITE]);
    beta = await attestedAgent(server, 'beta', [READ]);
    await server.admin.addTrustRule({
      from: spiffeIdOf(server, 'alpha'),
      to: spiffeIdOf(server, 'beta'),
      max_depth: 2,
    });
  });
  after(() => server.stop());

  test('attest reports the spiffe id', () => {
    assert.equal(alpha.spiffeId, spiffeIdOf(server, 'alpha'));
  });

  test('start a task, delegate part of it, end it: the child dies with the task', async () => {
    const task = await alpha.startTask({
      resource: GATEWAY,
      scope: [READ, WRITE],
      purpose: 'reconcile invoices',
      ttlSeconds: 600,
    });
    assert.equal(task.tokenType, 'Bearer');
    assert.deepEqual(task.scope, [READ, WRITE]);
    assert.ok(
      task.expiresAt.getTime() > Date.now() && task.expiresAt.getTime() <= Date.now() + 601_000,
    );
    const claims = decodeJwt(task.accessToken);
    assert.equal(claims.task_id, task.taskId);
    assert.equal(claims.sub, alpha.spiffeId);
    assert.deepEqual(claims.aud, [GATEWAY]);

    const child = await alpha.delegate(task, {
      delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
      scope: [READ],
    });
    assert.equal(child.taskId, task.taskId);
    assert.deepEqual(child.scope, [READ]);
    const active = await introspect(server, child.accessToken);
    assert.equal(active.active, true);
    assert.deepEqual(active.act, { sub: beta.spiffeId });
    assert.equal(active.depth, 1);

    const shown = await server.admin.getTask(task.taskId);
    assert.equal(shown.purpose, 'reconcile invoices');
    assert.deepEqual(shown.tokens.map((t) => [t.holder, t.depth]).sort(), [
      [alpha.spiffeId, 0],
      [beta.spiffeId, 1],
    ]);

    await alpha.endTask(task);
    assert.deepEqual(await introspect(server, child.accessToken), { active: false });
    assert.deepEqual(await introspect(server, task.accessToken), { active: false });
    const ended = await server.admin.getTask(task.taskId);
    assert.equal(ended.status, 'ended');
    assert.equal(ended.ended_by, alpha.spiffeId);
  });

  test('delegate accepts the parent as a raw token string and narrows ttl', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const child = await alpha.delegate(task.accessToken, {
      delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
      ttlSeconds: 30,
    });
    assert.ok(child.expiresAt.getTime() <= Date.now() + 31_000);
    assert.deepEqual(child.scope, [READ]);
  });

  test('revoke takes a delegated token and its subtree down, not the parent', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const child = await alpha.delegate(task, {
      delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
    });
    await alpha.revoke(child);
    assert.deepEqual(await introspect(server, child.accessToken), { active: false });
    assert.equal((await introspect(server, task.accessToken)).active, true);
    await beta.revoke(task.accessToken); // not beta's: 200, nothing changes
    assert.equal((await introspect(server, task.accessToken)).active, true);
  });

  test('parallel calls each get their own assertion (renewals are serialized)', async () => {
    const tasks = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        alpha.startTask({ resource: GATEWAY, scope: [READ], purpose: `parallel ${i}` }),
      ),
    );
    assert.equal(new Set(tasks.map((t) => t.taskId)).size, 6);
    const [svid, next] = await Promise.all([
      beta.svidFor(issuer),
      beta.svidFor(issuer),
      alpha.startTask({ resource: GATEWAY, scope: [READ] }),
    ]);
    assert.notEqual(svid, next);
    // The chain of SVIDs is intact afterwards.
    assert.ok((await alpha.startTask({ resource: GATEWAY, scope: [READ] })).taskId);
  });

  test('server refusals surface as MandateApiError with the OAuth code', async () => {
    await assert.rejects(
      alpha.startTask({ resource: GATEWAY, scope: ['tool:admin/everything'] }),
      (err: unknown) =>
        err instanceof MandateApiError && err.code === 'invalid_scope' && err.status === 400,
    );
    const gamma = await attestedAgent(server, 'gamma', [READ]);
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    // No trust rule lets alpha delegate to gamma.
    await assert.rejects(
      alpha.delegate(task, { delegateSvid: await gamma.delegationSvidFor(alpha.spiffeId!) }),
      (err: unknown) =>
        err instanceof MandateApiError &&
        err.code === 'invalid_request' &&
        /trust rule/i.test(err.detail),
    );
    // A delegation may only narrow.
    await assert.rejects(
      alpha.delegate(task, {
        delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
        scope: [WRITE],
      }),
      (err: unknown) => err instanceof MandateApiError && err.code === 'invalid_scope',
    );
    // The holder delegating needs an actor svid that names it: the issuer alone is refused.
    await assert.rejects(
      alpha.delegate(task, { delegateSvid: await beta.svidFor(issuer) }),
      (err: unknown) =>
        err instanceof MandateApiError &&
        err.code === 'invalid_request' &&
        err.status === 400 &&
        /must name the delegator/.test(err.detail),
    );
    // Refusals spend no more than their own assertion: the agent keeps working.
    assert.ok((await alpha.startTask({ resource: GATEWAY, scope: [READ] })).taskId);
  });

  test('a delegation svid names the delegator: it delegates but is no client assertion', async () => {
    const actorSvid = await beta.delegationSvidFor(alpha.spiffeId!);
    assert.deepEqual(decodeJwt(actorSvid).aud, [issuer, alpha.spiffeId]);
    assert.equal(decodeJwt(actorSvid).sub, beta.spiffeId);
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const child = await alpha.delegate(task, { delegateSvid: actorSvid });
    assert.equal((await introspect(server, child.accessToken)).active, true);
    const res = await fetch(`${server.url}/v1/svid/jwt`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe',
        client_assertion: actorSvid,
        audience: issuer,
      }),
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });

  test('agent-side errors: not attested, no dpop key for a dpop-bound token', async () => {
    const fresh = new MandateAgent({ url: server.url });
    await assert.rejects(
      fresh.startTask({ resource: GATEWAY }),
      (err: unknown) => err instanceof MandateAgentError && err.code === 'not_attested',
    );
    await assert.rejects(
      fresh.endTask({
        accessToken: 'x',
        tokenType: 'DPoP',
        expiresAt: new Date(),
        scope: [],
        taskId: 'x',
      }),
      (err: unknown) => err instanceof MandateAgentError && err.code === 'no_dpop_key',
    );
    assert.equal(await fresh.dpopJkt(), undefined);
  });

  test('a spent svid is detected: attest again', async () => {
    const { join_token } = await server.admin.createJoinToken('beta');
    const agent = new MandateAgent({ url: server.url });
    await agent.attest({ joinToken: join_token });
    // Someone else spends the agent's current SVID (as a thief racing its owner would).
    const current = (agent as unknown as { current: { token: string } }).current.token;
    const stolen = await fetch(`${server.url}/v1/svid/jwt`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe',
        client_assertion: current,
        audience: issuer,
      }),
    });
    assert.equal(stolen.status, 200);
    await assert.rejects(
      agent.startTask({ resource: GATEWAY, scope: [READ] }),
      (err: unknown) => err instanceof MandateApiError && err.code === 'invalid_client',
    );
    await assert.rejects(
      agent.startTask({ resource: GATEWAY, scope: [READ] }),
      (err: unknown) => err instanceof MandateAgentError && err.code === 'svid_spent',
    );
  });
});

describe('MandateAgent, dpop with server nonces', () => {
  let server: TestServer;
  let alpha: MandateAgent;
  let beta: MandateAgent;
  /** What alpha's requests to the token endpoint got back. */
  const tokenAnswers: {
    status: number;
    error?: string;
    nonce: string | null;
    proofNonce: unknown;
  }[] = [];
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (String(input).endsWith('/oauth/token')) {
      const proof = new Headers(init?.headers).get('dpop');
      const error = res.ok ? undefined : ((await res.clone().json()) as { error: string }).error;
      tokenAnswers.push({
        status: res.status,
        ...(error ? { error } : {}),
        nonce: res.headers.get('dpop-nonce'),
        proofNonce: proof ? decodeJwt(proof).nonce : undefined,
      });
    }
    return res;
  };

  before(async () => {
    server = await startTestServer({ flags: { dpopNonce: true } });
    alpha = await attestedAgent(server, 'alpha', [READ, WRITE], { dpop: true, fetch: recording });
    beta = await attestedAgent(server, 'beta', [READ], { dpop: true });
    await server.admin.addTrustRule({
      from: spiffeIdOf(server, 'alpha'),
      to: spiffeIdOf(server, 'beta'),
    });
  });
  after(() => server.stop());

  test('tokens are bound to the agent key; delegation binds the child to the delegate key; endTask proves possession', async () => {
    const task = await alpha.startTask({
      resource: GATEWAY,
      scope: [READ, WRITE],
      purpose: 'dpop task',
    });
    assert.equal(task.tokenType, 'DPoP');
    // RFC 9449 §8: the first proof had no nonce, the server asked for one, the retry carried it.
    assert.equal(tokenAnswers.length, 2);
    assert.equal(tokenAnswers[0]!.status, 400);
    assert.equal(tokenAnswers[0]!.error, 'use_dpop_nonce');
    assert.equal(tokenAnswers[0]!.proofNonce, undefined);
    assert.equal(tokenAnswers[1]!.status, 200);
    assert.equal(tokenAnswers[1]!.proofNonce, tokenAnswers[0]!.nonce);
    const root = await introspect(server, task.accessToken);
    assert.equal(root.token_type, 'DPoP');
    assert.deepEqual(root.cnf, { jkt: await alpha.dpopJkt() });

    const child = await alpha.delegate(task, {
      delegateSvid: await beta.delegationSvidFor(alpha.spiffeId!),
      scope: [READ],
      dpopJkt: (await beta.dpopJkt())!,
    });
    assert.equal(child.tokenType, 'DPoP');
    assert.deepEqual((await introspect(server, child.accessToken)).cnf, {
      jkt: await beta.dpopJkt(),
    });

    await alpha.endTask(task);
    assert.deepEqual(await introspect(server, child.accessToken), { active: false });
    assert.equal((await server.admin.getTask(task.taskId)).status, 'ended');
  });

  test('a bound token cannot be ended with a plain bearer header', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const res = await fetch(`${server.url}/v1/tasks/${task.taskId}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${task.accessToken}` },
    });
    assert.equal(res.status, 401);
    // Another agent's key cannot end it either.
    await assert.rejects(
      beta.endTask(task),
      (err: unknown) => err instanceof MandateApiError && err.status < 500,
    );
    await alpha.endTask(task);
  });

  test('parallel dpop token requests with nonces all succeed', async () => {
    const tasks = await Promise.all(
      Array.from({ length: 5 }, () => alpha.startTask({ resource: GATEWAY, scope: [READ] })),
    );
    assert.ok(tasks.every((t) => t.tokenType === 'DPoP'));
    await Promise.all(tasks.map((t) => alpha.endTask(t)));
  });
});
