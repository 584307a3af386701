// In-process authorization for agents whose tools run locally: MandateAgent.decide / authorize /
// guard against POST /v1/authorize/self on a real Mandate, with bearer and DPoP-bound task tokens
// (the server demands DPoP nonces here), and the refusals: wrong audience, ended task, a bound
// token as Bearer, a replayed proof, no credentials.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { MandateApiError } from '../../../src/sdk/errors.js';
import { ToolCallDeniedError } from '../../../src/sdk/self-authorize.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, spiffeIdOf } from '../helpers/agents.js';
import type { Json } from './helpers.js';

const SCOPES = ['tool:crm/lookup', 'tool:crm/purge', 'tool:x/unknown'];

describe('POST /v1/authorize/self through MandateAgent', () => {
  let server: TestServer;
  let issuer: string;
  let alpha: MandateAgent;
  let delta: MandateAgent;
  /** What delta's fetch sent to /v1/authorize/self, to replay it. */
  const sent: { url: string; headers: Headers; body: string }[] = [];

  async function decisionEvent(id: string): Promise<Json | undefined> {
    const res = await fetch(`${server.url}/v1/audit/events`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    return (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json)
      .find((e) => e.action === 'decision' && (e.details as Json).decision_id === id);
  }

  before(async () => {
    server = await startTestServer({ flags: { dpopNonce: true } });
    issuer = server.config.issuer;
    alpha = await attestedAgent(server, 'alpha', SCOPES);
    const recording: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (new URL(request.url).pathname === '/v1/authorize/self')
        sent.push({
          url: request.url,
          headers: new Headers(request.headers),
          body: await request.clone().text(),
        });
      return fetch(request);
    };
    delta = await attestedAgent(server, 'delta', SCOPES, { dpop: true, fetch: recording });
    const res = await fetch(`${server.url}/v1/tools/crm`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tools: [
          {
            name: 'lookup',
            inputSchema: { type: 'object', properties: { email: { type: 'string' } } },
          },
          { name: 'purge', inputSchema: { type: 'object' } },
        ],
        annotations: {
          lookup: { sideEffect: 'read', classification: 'internal', destinations: [] },
          purge: { sideEffect: 'destructive', classification: 'internal', destinations: [] },
        },
      }),
    });
    assert.equal(res.status, 200, await res.text());
  });
  after(() => server.stop());

  test('an allowed call resolves with the decision, audited under the agent', async () => {
    const task = await alpha.startTask({
      resource: issuer,
      scope: SCOPES,
      purpose: 'self authorize',
    });
    const d = await alpha.authorize({
      task,
      tool: 'crm/lookup',
      arguments: { email: 'a@example.org' },
    });
    assert.equal(d.decision, 'allow');
    assert.deepEqual(d.reasons, ['mandate.allow-scoped-tools']);
    assert.equal(d.policySetVersion, '1');
    assert.ok(d.decisionId);
    const event = await decisionEvent(d.decisionId);
    assert.ok(event, 'a decision event');
    assert.equal(event.actor, spiffeIdOf(server, 'alpha'));
    assert.equal(event.target, 'crm/lookup');
    assert.equal((event.details as Json).task, task.taskId);
  });

  test('a denied call throws ToolCallDeniedError with the reason; decide returns it instead', async () => {
    const task = await alpha.startTask({ resource: issuer, scope: SCOPES });
    await assert.rejects(alpha.authorize({ task, tool: 'x/unknown' }), (err: unknown) => {
      assert.ok(err instanceof ToolCallDeniedError);
      assert.equal(err.code, 'denied');
      assert.equal(err.tool, 'x/unknown');
      assert.equal(err.decision.decision, 'deny');
      assert.ok(
        err.decision.reasons.includes('mandate.deny-unknown-tools'),
        err.decision.reasons.join(),
      );
      assert.match(err.message, /^tool `x\/unknown` is denied \(.*mandate\.deny-unknown-tools/);
      return true;
    });
    const d = await alpha.decide({ task, tool: 'x/unknown' });
    assert.equal(d.decision, 'deny');
    assert.ok(d.decisionId && (await decisionEvent(d.decisionId)), 'denials are audited too');
  });

  test('a destructive call needs approval: approval_required, and the agent cannot approve it itself', async () => {
    const task = await alpha.startTask({ resource: issuer, scope: SCOPES });
    await assert.rejects(
      alpha.authorize({ task, tool: 'crm/purge', arguments: { approved: true } }),
      (err: unknown) =>
        err instanceof ToolCallDeniedError &&
        err.code === 'approval_required' &&
        /needs a human's approval/.test(err.message),
    );
    const res = await fetch(`${server.url}/v1/authorize/self`, {
      method: 'POST',
      headers: { authorization: `Bearer ${task.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tool: 'crm/purge', approved: true }),
    });
    assert.equal(res.status, 400, 'an `approved` field is not accepted');
  });

  test('guard runs the tool only when the call is allowed', async () => {
    const task = await alpha.startTask({ resource: issuer, scope: SCOPES });
    const ran: string[] = [];
    const lookup = alpha.guard(
      task,
      'crm/lookup',
      async (args: { email: string }, extra: { id: number }) => {
        ran.push(`${args.email}#${extra.id}`);
        return { found: true };
      },
    );
    const unknown = alpha.guard(task, 'x/unknown', async (_args: Record<string, never>) => {
      ran.push('unknown');
    });
    assert.deepEqual(await lookup({ email: 'b@example.org' }, { id: 7 }), { found: true });
    await assert.rejects(unknown({}), ToolCallDeniedError);
    assert.deepEqual(ran, ['b@example.org#7']);
  });

  test('a DPoP-bound task: proofs with the server nonce (one retry), and a replayed request is refused', async () => {
    const task = await delta.startTask({ resource: issuer, scope: SCOPES });
    assert.equal(task.tokenType, 'DPoP');
    sent.length = 0;
    assert.equal((await delta.authorize({ task, tool: 'crm/lookup' })).decision, 'allow');
    assert.equal(sent.length, 2, 'the first proof had no nonce; the retry carries it');
    assert.match(sent[1]!.headers.get('authorization') ?? '', /^DPoP /);
    assert.equal((await delta.authorize({ task, tool: 'crm/lookup' })).decision, 'allow');
    assert.equal(sent.length, 3, 'the nonce is remembered');

    const replay = await fetch(sent[2]!.url, {
      method: 'POST',
      headers: sent[2]!.headers,
      body: sent[2]!.body,
    });
    assert.equal(replay.status, 401);
    const body = (await replay.json()) as Json;
    assert.equal(body.error, 'invalid_dpop_proof');
    assert.match(String(body.error_description), /already used/);
    assert.match(
      replay.headers.get('www-authenticate') ?? '',
      /^Bearer, DPoP error="invalid_dpop_proof", error_description="[^"]+", algs="/,
    );

    const asBearer = await fetch(`${server.url}/v1/authorize/self`, {
      method: 'POST',
      headers: { authorization: `Bearer ${task.accessToken}`, 'content-type': 'application/json' },
      body: '{"tool":"crm/lookup"}',
    });
    assert.equal(asBearer.status, 401);
    assert.equal(((await asBearer.json()) as Json).error, 'invalid_token');
    assert.match(
      asBearer.headers.get('www-authenticate') ?? '',
      /^Bearer error="invalid_token", error_description="the token is dpop-bound/,
    );
  });

  test('a task for another audience, or an ended task, is refused with invalid_token', async () => {
    const elsewhere = await alpha.startTask({ resource: GATEWAY, scope: SCOPES });
    await assert.rejects(
      alpha.authorize({ task: elsewhere, tool: 'crm/lookup' }),
      (err: unknown) =>
        err instanceof MandateApiError &&
        err.status === 401 &&
        err.code === 'invalid_token' &&
        /audience/.test(err.detail),
    );
    const task = await alpha.startTask({ resource: issuer, scope: SCOPES });
    await alpha.endTask(task);
    await assert.rejects(
      alpha.authorize({ task, tool: 'crm/lookup' }),
      (err: unknown) =>
        err instanceof MandateApiError && err.status === 401 && /revoked/.test(err.detail),
    );
  });

  test('no credentials, a bad scheme, an unbound token as DPoP: 401 with challenges, never the token', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/v1/authorize/self`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"tool":"crm/lookup"}',
      });
    const none = await post({});
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as Json).error, 'missing_token');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer, DPoP algs="[^"]*ES256/);
    const basic = await post({ authorization: 'Basic YTpi' });
    assert.equal(basic.status, 401);
    assert.equal(((await basic.json()) as Json).error, 'missing_token');
    const malformed = await post({ authorization: 'Bearer a b' });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as Json).error, 'invalid_request');
    const task = await alpha.startTask({ resource: issuer, scope: SCOPES });
    const dpop = await post({ authorization: `DPoP ${task.accessToken}` });
    const text = await dpop.text();
    assert.equal(dpop.status, 401);
    assert.match(text, /not dpop-bound/);
    assert.ok(!text.includes(task.accessToken));
  });
});
