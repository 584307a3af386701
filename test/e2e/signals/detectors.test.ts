// The built-in detectors end to end: a real Mandate with the `signals` setting, agents with tasks,
// calls through POST /v1/authorize scripted to trigger each detector, and each configured response
// observed: approval required, read only, the task revoked, the agent suspended.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, introspect, spiffeIdOf } from '../helpers/agents.js';
import { auditEvents, call, catalog, decide, eventually, newTask, type Json } from './helpers.js';

const SCOPES = ['tool:docs/*', 'tool:mail/send', 'tool:db/drop'];
const ALLOWED = ['mandate.allow-scoped-tools'];

describe('built-in detectors and their responses', () => {
  let server: TestServer;
  let alpha: MandateAgent;
  let sprinter: MandateAgent;
  let courier: MandateAgent;

  const signalsOf = async (taskId: string) =>
    (await call(server, 'GET', `/v1/signals?task=${taskId}`)).json;

  before(async () => {
    // The rule for `courier` needs its SPIFFE ID, which depends on the trust domain: the default one.
    const signals = {
      detectors: { rate_spike: { threshold: 15, responses: ['revoke_task'] } },
      rules: [
        {
          agent: 'spiffe://mandate.local/agent/courier',
          kind: 'new_external_destination',
          responses: ['suspend_agent'],
        },
      ],
      purposes: { 'triage docs': ['tool:docs/*'] },
    };
    server = await startTestServer({ flags: { signals: JSON.stringify(signals) } });
    assert.equal(server.config.trustDomain, 'mandate.local');
    await catalog(server);
    alpha = await attestedAgent(server, 'alpha', SCOPES);
    sprinter = await attestedAgent(server, 'sprinter', SCOPES);
    courier = await attestedAgent(server, 'courier', SCOPES);
  });
  after(() => server.stop());

  test('denial streak: after 5 denials in a row the next call needs a human approval', async () => {
    const { token, taskId } = await newTask(alpha, ['tool:docs/*']);
    assert.deepEqual(await decide(server, token, 'docs/read'), ['allow', ALLOWED]);
    // docs/missing is declared (tool:docs/*) but not cataloged: denied, and only the streak detector sees it.
    for (let i = 0; i < 4; i++)
      assert.equal((await decide(server, token, 'docs/missing'))[0], 'deny');
    assert.deepEqual(
      await decide(server, token, 'docs/read'),
      ['allow', ALLOWED],
      'an allowed call ends the streak',
    );
    for (let i = 0; i < 5; i++)
      assert.equal((await decide(server, token, 'docs/missing'))[0], 'deny');
    assert.deepEqual(await decide(server, token, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
    assert.deepEqual(await decide(server, token, 'docs/read', { approved: true }), [
      'allow',
      ALLOWED,
    ]);
    const s = await signalsOf(taskId);
    assert.deepEqual([s.risk, s.restrictions], [60, ['require_approval']]);
    assert.deepEqual(
      (s.signals as Json[]).map((x) => [x.kind, x.source, x.risk, x.responses]),
      [['denial_streak', 'mandate', 60, ['require_approval']]],
    );
    const signalId = (s.signals as Json[])[0]!.id;
    const events = await eventually(async () => {
      const e = (await auditEvents(server)).filter(
        (x) =>
          (x.details as Json).signal_id === signalId ||
          ((x.details as Json).signal as Json | undefined)?.signal_id === signalId,
      );
      return e.length === 2 ? e : undefined;
    }, 'signal.detected and signal.response audited');
    assert.deepEqual(
      events.map((e) => [e.action, e.actor, e.target, e.outcome]),
      [
        ['signal.detected', 'system', `task:${taskId}`, 'success'],
        ['signal.response', 'system', `task:${taskId}`, 'success'],
      ],
    );
    assert.deepEqual((events[0]!.details as Json).detector, { streak: 5, threshold: 5 });
    assert.equal((events[1]!.details as Json).response, 'require_approval');
  });

  test('rate spike (configured to revoke): the 15th call in a minute ends the task; the next call is refused as revoked, introspection inactive', async () => {
    const { token, taskId } = await newTask(sprinter, ['tool:docs/*']);
    for (let i = 0; i < 15; i++)
      assert.deepEqual(
        await decide(server, token, 'docs/read'),
        ['allow', ALLOWED],
        `call ${i + 1}`,
      );
    const task = await eventually(async () => {
      const t = (await call(server, 'GET', `/v1/tasks/${taskId}`)).json;
      return t.status === 'ended' ? t : undefined;
    }, 'the task ended');
    assert.equal(task.ended_by, 'signal:rate_spike');
    const [outcome, reason] = await decide(server, token, 'docs/read');
    assert.equal(outcome, 'deny');
    assert.match(String(reason), /revoked/);
    assert.deepEqual(await introspect(server, token), { active: false });
    const revoke = (await auditEvents(server)).find(
      (e) =>
        e.action === 'signal.response' &&
        (e.details as Json).response === 'revoke_task' &&
        e.target === `task:${taskId}`,
    );
    assert.ok(revoke, 'the revocation is audited with its signal');
    assert.deepEqual(
      [
        revoke.outcome,
        ((revoke.details as Json).signal as Json).kind,
        (revoke.details as Json).targets,
      ],
      ['success', 'rate_spike', [`task:${taskId}`]],
    );
  });

  test('new external destination: audited for everyone, and suspends the one agent a rule names', async () => {
    const a = await newTask(alpha, SCOPES);
    assert.deepEqual(
      await decide(server, a.token, 'mail/send', { arguments: { to: 'bob@partner.example' } }),
      ['allow', ALLOWED],
    );
    const seen = await eventually(
      async () =>
        ((await signalsOf(a.taskId)).signals as Json[]).find(
          (s) => s.kind === 'new_external_destination',
        ),
      "alpha's signal",
    );
    assert.deepEqual(
      [seen.risk, seen.responses, seen.reason],
      [
        20,
        [],
        'first contact with the external host `partner.example` in this task (by `mail/send`)',
      ],
    );
    assert.deepEqual(
      await decide(server, a.token, 'docs/read'),
      ['allow', ALLOWED],
      'risk 20 restricts nothing',
    );

    const c = await newTask(courier, SCOPES);
    assert.deepEqual(
      await decide(server, c.token, 'mail/send', { arguments: { to: 'bob@partner.example' } }),
      ['allow', ALLOWED],
    );
    await eventually(
      async () =>
        (await server.admin.getAgent('courier')).status === 'suspended' ? true : undefined,
      'courier suspended',
    );
    const [outcome, reason] = await decide(server, c.token, 'docs/read');
    assert.equal(outcome, 'deny');
    assert.match(String(reason), /revoked/);
    assert.equal((await server.admin.getAgent('alpha')).status, 'active');
    const suspend = (await auditEvents(server)).find(
      (e) => e.action === 'signal.response' && (e.details as Json).response === 'suspend_agent',
    );
    assert.deepEqual(
      [suspend?.outcome, (suspend?.details as Json).targets],
      ['success', [spiffeIdOf(server, 'courier')]],
    );
  });

  test('classification jump (default: read only): after public → confidential a write is denied, a read allowed', async () => {
    const { token, taskId } = await newTask(alpha, SCOPES);
    assert.deepEqual(await decide(server, token, 'docs/read'), ['allow', ALLOWED]);
    assert.deepEqual(await decide(server, token, 'docs/secret'), ['allow', ALLOWED]);
    // An internal recipient: the taint rule alone would allow it.
    assert.deepEqual(
      await decide(server, token, 'mail/send', {
        arguments: { to: 'ops@mandate.local' },
        approved: true,
      }),
      ['deny', ['mandate.signal-read-only']],
    );
    assert.deepEqual(await decide(server, token, 'docs/read'), ['allow', ALLOWED]);
    const s = await signalsOf(taskId);
    assert.deepEqual([s.risk, s.restrictions], [40, ['read_only']]);
    assert.equal(
      (s.signals as Json[])[0]!.reason,
      'taint rose from public to confidential in one call (`docs/secret`)',
    );
  });

  test("undeclared tool: one the task's scopes do not declare, or its purpose does not list, makes later calls need approval", async () => {
    const narrow = await newTask(alpha, ['tool:docs/*']);
    assert.deepEqual(
      await decide(server, narrow.token, 'db/drop'),
      ['deny', ['mandate.destructive-needs-approval']],
      'outside the scopes: denied anyway',
    );
    assert.deepEqual(await decide(server, narrow.token, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);

    const triage = await newTask(alpha, SCOPES, 'triage docs');
    assert.deepEqual(await decide(server, triage.token, 'docs/read'), ['allow', ALLOWED]);
    assert.deepEqual(
      await decide(server, triage.token, 'mail/send', { arguments: { to: 'ops@mandate.local' } }),
      ['allow', ALLOWED],
      'the token grants it',
    );
    assert.deepEqual(await decide(server, triage.token, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
    const s = (await signalsOf(triage.taskId)).signals as Json[];
    assert.deepEqual(
      s.map((x) => [x.kind, x.reason]),
      [['undeclared_tool', "`mail/send` is outside the tools of the task's purpose `triage docs`"]],
    );
  });

  test('a task that ends drops its signals', async () => {
    const { token, taskId } = await newTask(alpha, ['tool:docs/*']);
    assert.equal((await decide(server, token, 'db/drop'))[0], 'deny');
    assert.equal(((await signalsOf(taskId)).signals as Json[]).length, 1);
    await server.admin.endTask(taskId);
    assert.deepEqual((await signalsOf(taskId)).signals, []);
  });
});
