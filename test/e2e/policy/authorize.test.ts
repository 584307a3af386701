// The decision service over HTTP: an agent's task token decided at /v1/authorize (Mandate's shape)
// and through the AuthZEN 1.0 endpoints, against the default policy pack and an annotated catalog.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminCall, type Json } from '../helpers/admin.js';
import { attestedAgent, GATEWAY, spiffeIdOf } from '../helpers/agents.js';

const SCOPES = [
  'tool:docs/read',
  'tool:docs/secret',
  'tool:mail/send',
  'tool:db/drop',
  'tool:x/unknown',
];

describe('decision service over HTTP', () => {
  let server: TestServer;
  let agent: MandateAgent;

  const call = (method: string, path: string, body?: unknown) =>
    adminCall(server, method, path, body);

  async function newTask(): Promise<{ token: string; taskId: string }> {
    const t = await agent.startTask({
      resource: GATEWAY,
      scope: SCOPES,
      purpose: 'policy e2e',
      ttlSeconds: 600,
    });
    return { token: t.accessToken, taskId: t.taskId };
  }

  const authorize = async (token: string, tool: string, extra: Json = {}) => {
    const r = await call('POST', '/v1/authorize', { token, audience: GATEWAY, tool, ...extra });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json;
  };

  async function decisionEvents(): Promise<Json[]> {
    const res = await fetch(`${server.url}/v1/audit/events`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    return (await res.text())
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Json)
      .filter((e) => e.action === 'decision');
  }

  before(async () => {
    server = await startTestServer();
    agent = await attestedAgent(server, 'alpha', SCOPES);
    const s = { type: 'object', properties: {} };
    const docs = await call('PUT', '/v1/tools/docs', {
      tools: [
        { name: 'read', inputSchema: s },
        { name: 'secret', inputSchema: s },
      ],
      annotations: {
        read: { sideEffect: 'read', classification: 'public', destinations: [] },
        secret: { sideEffect: 'read', classification: 'confidential', destinations: [] },
      },
    });
    assert.equal(docs.status, 200, JSON.stringify(docs.json));
    assert.deepEqual(
      (docs.json.changes as Json[]).map((c) => [c.type, c.tool_id]),
      [
        ['added', 'docs/read'],
        ['added', 'docs/secret'],
      ],
    );
    const mail = await call('PUT', '/v1/tools/mail', {
      tools: [
        {
          name: 'send',
          inputSchema: {
            type: 'object',
            properties: { to: { type: 'string' }, body: { type: 'string' } },
          },
        },
      ],
      annotations: {
        send: {
          sideEffect: 'write',
          classification: 'public',
          extractors: [{ path: 'to', kind: 'email' }],
        },
      },
    });
    assert.equal(mail.status, 200, JSON.stringify(mail.json));
    const db = await call('PUT', '/v1/tools/db', {
      tools: [{ name: 'drop', inputSchema: s }],
      annotations: {
        drop: { sideEffect: 'destructive', classification: 'internal', destinations: [] },
      },
    });
    assert.equal(db.status, 200, JSON.stringify(db.json));
  });
  after(() => server.stop());

  test('GET /v1/tools lists the annotated catalog', async () => {
    const r = await call('GET', '/v1/tools');
    const tools = r.json.tools as Json[];
    assert.deepEqual(
      tools.map((t) => [t.id, t.side_effect, t.classification]),
      [
        ['db/drop', 'destructive', 'internal'],
        ['docs/read', 'read', 'public'],
        ['docs/secret', 'read', 'confidential'],
        ['mail/send', 'write', 'public'],
      ],
    );
  });

  test('a scoped read tool is allowed, and the decision is audited', async () => {
    const { token, taskId } = await newTask();
    const d = await authorize(token, 'docs/read');
    assert.equal(d.decision, 'allow');
    assert.deepEqual(d.reasons, ['mandate.allow-scoped-tools']);
    assert.equal(
      d.policy_set_version,
      '1',
      "the policy store's active set: the default pack, version 1",
    );
    const event = (await decisionEvents()).find(
      (e) => (e.details as Json).decision_id === d.decision_id,
    );
    assert.ok(event, 'a decision event');
    assert.equal(event.outcome, 'success');
    assert.equal(event.target, 'docs/read');
    assert.equal(event.actor, spiffeIdOf(server, 'alpha'));
    const details = event.details as Json;
    assert.equal(details.task, taskId);
    assert.equal(details.outcome, 'allow');
    assert.equal(details.inputs_digest, d.inputs_digest);
    assert.match(String(details.inputs_digest), /^[0-9a-f]{64}$/);
    assert.deepEqual(details.chain, [spiffeIdOf(server, 'alpha')]);
  });

  test('a destructive tool needs approval; with approval it is allowed', async () => {
    const { token } = await newTask();
    const d = await authorize(token, 'db/drop');
    assert.equal(d.decision, 'approval_required');
    assert.deepEqual(d.reasons, ['mandate.destructive-needs-approval']);
    const approved = await authorize(token, 'db/drop', { approved: true });
    assert.equal(approved.decision, 'allow');
    const events = await decisionEvents();
    assert.equal(
      events.find((e) => (e.details as Json).decision_id === d.decision_id)?.outcome,
      'denied',
    );
    assert.equal(
      events.find((e) => (e.details as Json).decision_id === approved.decision_id)?.outcome,
      'success',
    );
  });

  test('an external send after reading a confidential tool in the same task is denied (tool chain rule)', async () => {
    const { token } = await newTask();
    const send = { arguments: { to: 'someone@partner.example', body: 'hi' } };
    const other = await newTask();
    assert.equal(
      (await authorize(other.token, 'mail/send', send)).decision,
      'allow',
      'an external send is fine in a clean task',
    );
    assert.equal((await authorize(token, 'docs/secret')).decision, 'allow');
    const d = await authorize(token, 'mail/send', send);
    assert.equal(d.decision, 'deny');
    assert.deepEqual(d.reasons, ['mandate.no-external-after-confidential']);
    assert.ok(
      (await decisionEvents()).some((e) => (e.details as Json).decision_id === d.decision_id),
    );
  });

  test('an unknown tool is denied, and audited', async () => {
    const { token } = await newTask();
    const d = await authorize(token, 'x/unknown');
    assert.equal(d.decision, 'deny');
    assert.ok((d.reasons as string[]).includes('mandate.deny-unknown-tools'));
    assert.ok(
      (await decisionEvents()).some((e) => (e.details as Json).decision_id === d.decision_id),
    );
  });

  test('a token for another audience, or a bad one, is a deny with the reason and no decision id', async () => {
    const { token } = await newTask();
    const wrong = await call('POST', '/v1/authorize', {
      token,
      audience: 'https://other.example.org',
      tool: 'docs/read',
    });
    assert.equal(wrong.json.decision, 'deny');
    assert.equal(wrong.json.decision_id, null);
    assert.match(JSON.stringify(wrong.json.errors), /invalid_token/);
    const noAdmin = await fetch(`${server.url}/v1/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, audience: GATEWAY, tool: 'docs/read' }),
    });
    assert.equal(noAdmin.status, 401);
  });

  test('ending the task drops its session state', async () => {
    const t = await agent.startTask({
      resource: GATEWAY,
      scope: SCOPES,
      purpose: 'policy e2e',
      ttlSeconds: 600,
    });
    assert.equal((await authorize(t.accessToken, 'docs/secret')).decision, 'allow');
    assert.equal(server.mandate.decisions.session(t.taskId).highestClassification, 'confidential');
    await agent.endTask(t);
    assert.equal(server.mandate.decisions.session(t.taskId).callCount, 0);
    const after = await authorize(t.accessToken, 'docs/read');
    assert.equal(after.decision, 'deny', "the ended task's token no longer verifies");
    assert.equal(after.decision_id, null);
  });

  describe('AuthZEN 1.0', () => {
    test('PDP metadata', async () => {
      const res = await fetch(`${server.url}/.well-known/authzen-configuration`);
      assert.equal(res.status, 200);
      const issuer = server.config.issuer;
      assert.deepEqual(await res.json(), {
        policy_decision_point: issuer,
        access_evaluation_endpoint: `${issuer}/access/v1/evaluation`,
        access_evaluations_endpoint: `${issuer}/access/v1/evaluations`,
      });
    });

    test('single evaluation: request and response as the spec shows them', async () => {
      const { token } = await newTask();
      const subject = { type: 'agent', id: spiffeIdOf(server, 'alpha'), properties: { token } };
      const r = await call('POST', '/access/v1/evaluation', {
        subject,
        action: { name: 'call_tool' },
        resource: { type: 'tool', id: 'docs/read' },
        context: { audience: GATEWAY },
      });
      assert.equal(r.status, 200);
      assert.equal(r.json.decision, true);
      const ctx = r.json.context as Json;
      assert.equal(typeof ctx.decision_id, 'string');
      assert.deepEqual(ctx.reason_admin, { en: 'allowed by mandate.allow-scoped-tools' });
      const destructive = await call('POST', '/access/v1/evaluation', {
        subject,
        action: { name: 'call_tool' },
        resource: { type: 'tool', id: 'db/drop' },
        context: { audience: GATEWAY },
      });
      assert.equal(destructive.json.decision, false);
      assert.equal((destructive.json.context as Json).outcome, 'approval_required');
      const impostor = await call('POST', '/access/v1/evaluation', {
        subject: { ...subject, id: spiffeIdOf(server, 'mallory') },
        action: { name: 'call_tool' },
        resource: { type: 'tool', id: 'docs/read' },
        context: { audience: GATEWAY },
      });
      assert.equal(impostor.json.decision, false);
    });

    test('batch evaluations: defaults, per-item overrides, and each evaluations_semantic', async () => {
      const { token } = await newTask();
      const base = {
        subject: { type: 'agent', id: spiffeIdOf(server, 'alpha'), properties: { token } },
        action: { name: 'call_tool' },
        context: { audience: GATEWAY },
      };
      const evaluations = [
        { resource: { type: 'tool', id: 'docs/read' } },
        { resource: { type: 'tool', id: 'x/unknown' } },
        { resource: { type: 'tool', id: 'docs/read' } },
      ];
      const all = await call('POST', '/access/v1/evaluations', { ...base, evaluations });
      assert.equal(all.status, 200);
      assert.deepEqual(
        (all.json.evaluations as Json[]).map((e) => e.decision),
        [true, false, true],
      );
      const explicit = await call('POST', '/access/v1/evaluations', {
        ...base,
        options: { evaluations_semantic: 'execute_all' },
        evaluations,
      });
      assert.deepEqual(
        (explicit.json.evaluations as Json[]).map((e) => e.decision),
        [true, false, true],
      );
      const denyFirst = await call('POST', '/access/v1/evaluations', {
        ...base,
        options: { evaluations_semantic: 'deny_on_first_deny' },
        evaluations,
      });
      assert.deepEqual(
        (denyFirst.json.evaluations as Json[]).map((e) => e.decision),
        [true, false],
      );
      const permitFirst = await call('POST', '/access/v1/evaluations', {
        ...base,
        options: { evaluations_semantic: 'permit_on_first_permit' },
        evaluations: [evaluations[1], evaluations[0], evaluations[2]],
      });
      assert.deepEqual(
        (permitFirst.json.evaluations as Json[]).map((e) => e.decision),
        [false, true],
      );
      const single = await call('POST', '/access/v1/evaluations', {
        ...base,
        resource: { type: 'tool', id: 'docs/read' },
      });
      assert.equal(single.json.decision, true, 'no `evaluations`: answered as one evaluation');
      const bad = await call('POST', '/access/v1/evaluations', {
        ...base,
        options: { evaluations_semantic: 'sometimes' },
        evaluations,
      });
      assert.equal(bad.status, 400);
    });
  });
});
