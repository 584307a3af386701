// Outside signals end to end: POST /v1/signals against a real Mandate (a manual clock, so that
// expiry is exact), the next call through POST /v1/authorize, and what the audit log keeps.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, introspect, spiffeIdOf } from '../helpers/agents.js';
import { auditEvents, call, catalog, decide, newTask, type Json } from './helpers.js';

const ALLOWED = ['mandate.allow-scoped-tools'];
const SCOPES = ['tool:docs/*', 'tool:mail/send'];

describe('outside signals (no signals setting: detectors off, default ladder)', () => {
  let server: TestServer;
  let alpha: MandateAgent;
  const clock = new ManualClock(Date.now());

  const signal = (body: unknown) => call(server, 'POST', '/v1/signals', body);
  const received = async () =>
    (await auditEvents(server)).filter((e) => e.action === 'signal.received');

  before(async () => {
    server = await startTestServer({ clock });
    await catalog(server);
    alpha = await attestedAgent(server, 'alpha', SCOPES);
  });
  after(() => server.stop());

  test('risk 85 denies the next call (the risk threshold) and restricts the task', async () => {
    const { token, taskId } = await newTask(alpha, SCOPES);
    assert.deepEqual(await decide(server, token, 'docs/read'), ['allow', ALLOWED]);
    const r = await signal({
      task: taskId,
      kind: 'prompt_injection',
      risk: 85,
      source: 'guardrail',
      reason: 'tool output says: ignore previous instructions',
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(
      [r.json.task, r.json.agent, r.json.risk, r.json.source],
      [taskId, spiffeIdOf(server, 'alpha'), 85, 'guardrail'],
    );
    assert.deepEqual(r.json.responses, [
      { response: 'require_approval', outcome: 'success', targets: [`task:${taskId}`] },
      { response: 'read_only', outcome: 'success', targets: [`task:${taskId}`] },
    ]);
    const [outcome, reasons] = await decide(server, token, 'docs/read', { approved: true });
    assert.deepEqual([outcome, reasons], ['deny', ['mandate.risk-threshold']]);
    const event = (await received()).at(-1)!;
    assert.deepEqual(
      [event.actor, event.target, (event.details as Json).risk, (event.details as Json).kind],
      ['admin', `task:${taskId}`, 85, 'prompt_injection'],
    );
  });

  test('risk 95 revokes the task: the next call is refused as revoked, introspection is inactive', async () => {
    const { token, taskId } = await newTask(alpha, SCOPES);
    const r = await signal({ task: taskId, kind: 'exfiltration', risk: 95, source: 'edr' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(
      (r.json.responses as Json[]).map((x) => [x.response, x.outcome]),
      [
        ['require_approval', 'success'],
        ['read_only', 'success'],
        ['revoke_task', 'success'],
      ],
    );
    const [outcome, reason] = await decide(server, token, 'docs/read');
    assert.equal(outcome, 'deny');
    assert.match(String(reason), /revoked/);
    assert.deepEqual(await introspect(server, token), { active: false });
    const task = (await call(server, 'GET', `/v1/tasks/${taskId}`)).json;
    assert.deepEqual([task.status, task.ended_by], ['ended', 'signal:exfiltration']);
    const responses = (await auditEvents(server)).filter(
      (e) => e.action === 'signal.response' && e.target === `task:${taskId}`,
    );
    assert.deepEqual(
      responses.map((e) => [
        (e.details as Json).response,
        ((e.details as Json).signal as Json).risk,
        ((e.details as Json).signal as Json).source,
      ]),
      [
        ['require_approval', 95, 'edr'],
        ['read_only', 95, 'edr'],
        ['revoke_task', 95, 'edr'],
      ],
    );
    assert.equal(
      (await signal({ task: taskId, kind: 'x', risk: 1, source: 'edr' })).status,
      409,
      'an ended task takes no more signals',
    );
  });

  test('a signal expires after its ttl', async () => {
    const { token, taskId } = await newTask(alpha, SCOPES);
    assert.equal(
      (
        await signal({
          task: taskId,
          kind: 'judge',
          risk: 60,
          source: 'llm-judge',
          ttl_seconds: 30,
        })
      ).status,
      201,
    );
    assert.deepEqual(await decide(server, token, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
    clock.advance(29_999);
    assert.equal((await decide(server, token, 'docs/read'))[0], 'approval_required');
    clock.advance(1);
    assert.deepEqual(await decide(server, token, 'docs/read'), ['allow', ALLOWED]);
    const listed = (await call(server, 'GET', `/v1/signals?task=${taskId}`)).json;
    assert.deepEqual([listed.risk, listed.restrictions, listed.signals], [0, [], []]);
  });

  test('an agent signal (confidence 0.4 → risk 60) counts in every task of the agent', async () => {
    const a = await newTask(alpha, SCOPES);
    const b = await newTask(alpha, SCOPES);
    const r = await signal({
      agent: spiffeIdOf(server, 'alpha'),
      kind: 'edr_alert',
      confidence: 0.4,
      source: 'edr',
      ttl_seconds: 60,
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(
      [r.json.risk, r.json.confidence, r.json.task, r.json.responses],
      [
        60,
        0.4,
        null,
        [
          {
            response: 'require_approval',
            outcome: 'success',
            targets: [spiffeIdOf(server, 'alpha')],
          },
        ],
      ],
    );
    assert.equal((await decide(server, a.token, 'docs/read'))[0], 'approval_required');
    assert.equal((await decide(server, b.token, 'docs/read'))[0], 'approval_required');
    const listed = (
      await call(
        server,
        'GET',
        `/v1/signals?agent=${encodeURIComponent(spiffeIdOf(server, 'alpha'))}`,
      )
    ).json;
    // The agent's own signals, then the task signals naming it (newest first).
    assert.deepEqual(
      (listed.signals as Json[]).filter((s) => s.task === null).map((s) => s.kind),
      ['edr_alert'],
    );
    const forTask = (await call(server, 'GET', `/v1/signals?task=${a.taskId}`)).json;
    assert.deepEqual(
      [forTask.risk, forTask.restrictions, (forTask.signals as Json[]).map((s) => s.kind)],
      [60, ['require_approval'], ['edr_alert']],
    );
    clock.advance(60_000);
    assert.deepEqual(await decide(server, a.token, 'docs/read'), ['allow', ALLOWED]);
  });

  test('bad signals get precise 400s (or 404/409) and change nothing', async () => {
    const { token, taskId } = await newTask(alpha, SCOPES);
    const before = (await received()).length;
    const cases: [unknown, number, RegExp][] = [
      [{ kind: 'x', risk: 10, source: 's' }, 400, /^`task` or `agent`: send exactly one of them$/],
      [
        { task: taskId, agent: spiffeIdOf(server, 'alpha'), kind: 'x', risk: 10, source: 's' },
        400,
        /^`task` or `agent`: send exactly one of them$/,
      ],
      [
        { task: taskId, kind: 'x', source: 's' },
        400,
        /^`risk` or `confidence`: send one of them \(risk 0\.\.100, confidence 0\.\.1\)$/,
      ],
      [
        { task: taskId, kind: 'x', risk: 101, source: 's' },
        400,
        /^`risk` must be an integer from 0 to 100/,
      ],
      [{ task: taskId, kind: 'x', risk: '90', source: 's' }, 400, /^`risk` /],
      [
        { task: taskId, kind: 'x', risk: 9.5, source: 's' },
        400,
        /^`risk` must be an integer from 0 to 100$/,
      ],
      [
        { task: taskId, kind: 'x', confidence: -0.1, source: 's' },
        400,
        /^`confidence` must be a number from 0 to 1/,
      ],
      [
        { task: taskId, kind: 'Prompt Injection', risk: 10, source: 's' },
        400,
        /^`kind` must be 1-64 characters/,
      ],
      [{ task: taskId, risk: 10, source: 's' }, 400, /^`kind` /],
      [{ task: taskId, kind: 'x', risk: 10 }, 400, /^`source` /],
      [
        { task: taskId, kind: 'x', risk: 10, source: 'mandate' },
        400,
        /^`source` `mandate` is reserved for the built-in detectors$/,
      ],
      [
        { task: taskId, kind: 'x', risk: 10, source: 's', ttl_seconds: 0 },
        400,
        /^`ttl_seconds` too small/,
      ],
      [
        { task: taskId, kind: 'x', risk: 10, source: 's', ttl_seconds: 86_401 },
        400,
        /^`ttl_seconds` must be at most 86400$/,
      ],
      [
        { task: taskId, kind: 'x', risk: 10, source: 's', ttl: 60 },
        400,
        /^`ttl` is not a known field$/,
      ],
      [{ agent: 'alpha', kind: 'x', risk: 10, source: 's' }, 400, /^`agent` must be a spiffe id/],
      [[], 400, /^`body` /],
      ['{not json', 400, /json/i],
      [
        { task: 'no-such-task', kind: 'x', risk: 10, source: 's' },
        404,
        /^task `no-such-task` does not exist$/,
      ],
      [
        { agent: spiffeIdOf(server, 'ghost'), kind: 'x', risk: 10, source: 's' },
        404,
        /^agent `spiffe:\/\/mandate\.local\/agent\/ghost` is not registered$/,
      ],
    ];
    for (const [body, status, detail] of cases) {
      const r = await signal(body);
      assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.json)}`);
      assert.match(String(r.json.detail), detail, JSON.stringify(body));
    }
    assert.equal((await received()).length, before, 'nothing audited');
    assert.deepEqual(
      (await call(server, 'GET', `/v1/signals?task=${taskId}`)).json.signals,
      [],
      'nothing kept',
    );
    assert.deepEqual(await decide(server, token, 'docs/read'), ['allow', ALLOWED]);
  });

  test('a federated agent may be signalled (one of a domain not federated may not); a signal without a credential is refused', async () => {
    assert.equal(
      (
        await signal({
          agent: 'spiffe://partner.example/agent/helper',
          kind: 'x',
          risk: 10,
          source: 's',
          ttl_seconds: 5,
        })
      ).status,
      404,
      'not federated yet',
    );
    assert.equal(
      (
        await call(server, 'POST', '/v1/federation', {
          trust_domain: 'partner.example',
          bundle: { keys: [] },
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await signal({
          agent: 'spiffe://partner.example/agent/helper',
          kind: 'x',
          risk: 10,
          source: 's',
          ttl_seconds: 5,
        })
      ).status,
      201,
    );
    const anonymous = await fetch(`${server.url}/v1/signals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: 'x' }),
    });
    assert.equal(anonymous.status, 401);
    assert.equal(
      (await call(server, 'POST', '/v1/signals', { task: 'x' }, 'not-the-admin-token')).status,
      401,
    );
  });
});

describe('signal sources (configured credentials)', () => {
  const GUARDRAIL_TOKEN = 'guardrail-token-0123456789abcdef';
  let server: TestServer;
  let alpha: MandateAgent;

  before(async () => {
    const sources = [
      {
        name: 'guardrail',
        tokenSha256: createHash('sha256').update(GUARDRAIL_TOKEN).digest('hex'),
      },
    ];
    // Detectors off: this suite is about who may send.
    const off = { enabled: false };
    const detectors = {
      denial_streak: off,
      rate_spike: off,
      new_external_destination: off,
      classification_jump: off,
      undeclared_tool: off,
    };
    server = await startTestServer({
      flags: {
        signals: JSON.stringify({
          sources,
          detectors,
          rules: [{ label: 'tier:critical', kind: 'prompt_injection', responses: ['revoke_task'] }],
        }),
      },
    });
    await catalog(server);
    alpha = await attestedAgent(server, 'alpha', SCOPES);
  });
  after(() => server.stop());

  test('a source reports with its own token, as itself only; the audit names it', async () => {
    const { taskId } = await newTask(alpha, SCOPES);
    const ok = await call(
      server,
      'POST',
      '/v1/signals',
      { task: taskId, kind: 'pii', risk: 30, source: 'guardrail' },
      GUARDRAIL_TOKEN,
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const other = await call(
      server,
      'POST',
      '/v1/signals',
      { task: taskId, kind: 'pii', risk: 30, source: 'edr' },
      GUARDRAIL_TOKEN,
    );
    assert.deepEqual(
      [other.status, other.json.detail],
      [403, 'this token reports as source `guardrail`, not `edr`'],
    );
    assert.equal(
      (await call(server, 'GET', '/v1/signals', undefined, GUARDRAIL_TOKEN)).status,
      401,
      'a source token is not an admin token',
    );
    const event = (await auditEvents(server)).filter((e) => e.action === 'signal.received').at(-1)!;
    assert.equal(event.actor, 'signal_source:guardrail');
  });

  test('a rule on an agent label adds a response: revoke on prompt injection for critical agents only', async () => {
    await server.admin.registerAgent({
      name: 'vault-bot',
      owner: 'e2e@example.org',
      purpose: 'critical',
      allowed_scopes: SCOPES,
      labels: { tier: 'critical' },
    });
    const critical = new MandateAgent({ url: server.url });
    await critical.attest({
      joinToken: (await server.admin.createJoinToken('vault-bot')).join_token,
    });
    const c = await newTask(critical, SCOPES);
    const a = await newTask(alpha, SCOPES);
    const onCritical = await call(
      server,
      'POST',
      '/v1/signals',
      { task: c.taskId, kind: 'prompt_injection', risk: 30, source: 'guardrail' },
      GUARDRAIL_TOKEN,
    );
    const onAlpha = await call(
      server,
      'POST',
      '/v1/signals',
      { task: a.taskId, kind: 'prompt_injection', risk: 30, source: 'guardrail' },
      GUARDRAIL_TOKEN,
    );
    assert.deepEqual(
      (onCritical.json.responses as Json[]).map((r) => r.response),
      ['revoke_task'],
    );
    assert.deepEqual(onAlpha.json.responses, []);
    assert.match(String((await decide(server, c.token, 'docs/read'))[1]), /revoked/);
    assert.deepEqual(await decide(server, a.token, 'docs/read'), ['allow', ALLOWED]);
  });
});
