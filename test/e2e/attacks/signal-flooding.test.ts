// OWASP Agentic Top 10 2026: ASI10 Rogue Agents, ASI08 Cascading Failures. A restriction on a
// rogue agent must outlast anything the agent (or a noisy signal source) can make Mandate
// remember: the signal book is bounded by refusing new subjects (audited as `signal.refused`),
// never by evicting one whose signals are in force, and restrictions combine (union, each until
// its own expiry) instead of the stronger pushing out the weaker. Through real HTTP: signals by
// plain fetch (the admin token, and a signal source's own token), tasks by the Mandate SDK, each
// decision at POST /v1/authorize by plain fetch, the audit log read back as NDJSON.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, spiffeIdOf } from '../helpers/agents.js';
import {
  auditEvents,
  call,
  catalog,
  decide,
  eventually,
  newTask,
  type Json,
} from '../signals/helpers.js';

const SCOPES = ['tool:docs/*', 'tool:mail/send'];
const JUNK_TOKEN = 'junk-source-token-0123456789abcdef';
const MAIL = { arguments: { to: 'a@mandate.local' } };

describe('ASI10/ASI08 attack: flooding the signal book to shed a restriction', () => {
  let server: TestServer;
  let rogue: MandateAgent;
  let bystander: MandateAgent;
  const clock = new ManualClock(Date.now());
  const refusedEvents = async () =>
    (await auditEvents(server)).filter((e) => e.action === 'signal.refused');

  before(async () => {
    // A small book so the flood is quick; the default (10,000) falls the same way, only later.
    const signals = {
      maxSubjects: 20,
      sources: [
        { name: 'junk', tokenSha256: createHash('sha256').update(JUNK_TOKEN).digest('hex') },
      ],
    };
    server = await startTestServer({ clock, flags: { signals: JSON.stringify(signals) } });
    await catalog(server);
    rogue = await attestedAgent(server, 'rogue', SCOPES);
    bystander = await attestedAgent(server, 'bystander', SCOPES);
    const r = await call(server, 'POST', '/v1/signals', {
      agent: spiffeIdOf(server, 'rogue'),
      kind: 'prompt_injection',
      risk: 75,
      source: 'guardrail',
      ttl_seconds: 3600,
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
  after(() => server.stop());

  const assertStillRestricted = async () => {
    const { token } = await newTask(rogue, SCOPES);
    assert.deepEqual(await decide(server, token, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
    assert.deepEqual(await decide(server, token, 'mail/send', { ...MAIL, approved: true }), [
      'deny',
      ['mandate.signal-read-only'],
    ]);
    const listed = (
      await call(
        server,
        'GET',
        `/v1/signals?agent=${encodeURIComponent(spiffeIdOf(server, 'rogue'))}`,
      )
    ).json.signals as Json[];
    assert.ok(
      listed.some((s) => s.kind === 'prompt_injection' && s.task === null),
      'the agent signal is still listed',
    );
  };

  test('the restricted agent, with its own credentials only (new tasks, one undeclared call each), cannot push its restriction out', async () => {
    for (let i = 0; i < 30; i++) {
      const { token } = await newTask(rogue, ['tool:docs/read']);
      // Outside the task's scopes: undeclared, one detector signal about a new task each time.
      await decide(server, token, 'docs/secret', { approved: true });
    }
    const refused = await eventually(
      async () => ((await refusedEvents()).length > 0 ? await refusedEvents() : undefined),
      'a detector signal refused for room',
    );
    assert.deepEqual(
      [
        refused[0]!.actor,
        refused[0]!.outcome,
        (refused[0]!.details as Json).refusal,
        (refused[0]!.details as Json).kind,
      ],
      ['system', 'failure', 'book_full', 'undeclared_tool'],
    );
    await assertStillRestricted();
  });

  test('a signal source sending junk about other tasks is refused (503, audited), never evicting the restriction', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const { taskId } = await newTask(bystander, SCOPES);
      statuses.push(
        (
          await call(
            server,
            'POST',
            '/v1/signals',
            { task: taskId, kind: 'noise', risk: 5, source: 'junk' },
            JUNK_TOKEN,
          )
        ).status,
      );
    }
    assert.ok(statuses.includes(503), JSON.stringify(statuses));
    const r = await call(
      server,
      'POST',
      '/v1/signals',
      { task: (await newTask(bystander, SCOPES)).taskId, kind: 'noise', risk: 5, source: 'junk' },
      JUNK_TOKEN,
    );
    assert.equal(r.status, 503);
    assert.match(String(r.json.detail), /signal book holds `signals.maxSubjects`/);
    assert.ok(
      (await refusedEvents()).some(
        (e) => e.actor === 'signal_source:junk' && (e.details as Json).source === 'junk',
      ),
    );
    await assertStillRestricted();
  });
});

describe('ASI10 attack: weaker restrictions pushing out a stronger one; subjects that do not exist', () => {
  let server: TestServer;
  let mixer: MandateAgent;

  before(async () => {
    server = await startTestServer({ flags: { signals: '{}' } });
    await catalog(server);
    mixer = await attestedAgent(server, 'mixer', SCOPES);
  });
  after(() => server.stop());

  test('64 undeclared_tool signals (require_approval) do not push out a classification_jump one (read_only): the write stays denied, approved or not', async () => {
    const { token, taskId } = await newTask(mixer, SCOPES);
    assert.equal((await decide(server, token, 'docs/secret'))[0], 'allow');
    await eventually(
      async () =>
        (
          (await call(server, 'GET', `/v1/signals?task=${taskId}`)).json.restrictions as string[]
        ).includes('read_only') || undefined,
      'classification_jump',
    );
    for (let i = 0; i < 64; i++) await decide(server, token, `other/tool_${i}`, { approved: true });
    await eventually(
      async () =>
        ((await call(server, 'GET', `/v1/signals?task=${taskId}`)).json.signals as Json[]).filter(
          (s) => s.kind === 'undeclared_tool',
        ).length >= 60 || undefined,
      'undeclared_tool signals',
    );
    const listed = (await call(server, 'GET', `/v1/signals?task=${taskId}`)).json;
    assert.deepEqual(listed.restrictions, ['read_only', 'require_approval']);
    assert.deepEqual(await decide(server, token, 'mail/send', { ...MAIL, approved: true }), [
      'deny',
      ['mandate.signal-read-only'],
    ]);
  });

  test('an approval shows the approver every restriction in force for its task and agent, read_only too', async () => {
    const { token, taskId } = await newTask(mixer, SCOPES);
    assert.equal(
      (
        await call(server, 'POST', '/v1/signals', {
          task: taskId,
          kind: 'judge',
          risk: 40,
          source: 'judge',
          reason: 'tainted',
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await call(server, 'POST', '/v1/signals', {
          agent: spiffeIdOf(server, 'mixer'),
          kind: 'edr',
          risk: 75,
          source: 'edr',
        })
      ).status,
      201,
    );
    assert.equal((await decide(server, token, 'docs/read'))[0], 'approval_required');
    const ticket = await server.mandate.approvals.request({
      agent: spiffeIdOf(server, 'mixer'),
      taskId,
      target: 'docs/read',
      arguments: {},
      policySetVersion: '1',
      decisionId: 'd-1',
      reasons: ['mandate.signal-needs-approval'],
      audience: 'https://gateway.example.org',
    });
    const shown = (await call(server, 'GET', `/v1/approvals/${ticket.id}`)).json;
    assert.deepEqual([shown.risk, shown.restrictions], [75, ['read_only', 'require_approval']]);
    const listed = (
      (await call(server, 'GET', '/v1/approvals?status=pending')).json.approvals as Json[]
    ).find((x) => x.id === ticket.id)!;
    assert.deepEqual(listed.restrictions, ['read_only', 'require_approval']);
  });

  test('an unregistered local agent is refused every time, an agent of a trust domain not federated too', async () => {
    const ghost = spiffeIdOf(server, 'ghost');
    for (let i = 0; i < 3; i++)
      assert.equal(
        (
          await call(server, 'POST', '/v1/signals', {
            agent: ghost,
            kind: 'x',
            risk: 90,
            source: 's',
          })
        ).status,
        404,
        `attempt ${i + 1}`,
      );
    const stranger = await call(server, 'POST', '/v1/signals', {
      agent: 'spiffe://stranger.example/agent/x',
      kind: 'x',
      risk: 90,
      source: 's',
    });
    assert.equal(stranger.status, 404);
    assert.match(String(stranger.json.detail), /trust domain `stranger.example` is not federated/);
    const about = ((await call(server, 'GET', '/v1/signals')).json.signals as Json[]).filter(
      (s) => s.agent === ghost || String(s.agent).includes('stranger.example'),
    );
    assert.deepEqual(about, [], 'nothing kept');
  });
});

describe('ASI10 attack: a flood of stored signals drops a restriction across a restart', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let dataDir: string;

  before(async () => {
    // restore reads at most maxSubjects × maxSignalsPerSubject stored signals (here 20 × 2 = 40).
    const signals = {
      maxSubjects: 20,
      maxSignalsPerSubject: 2,
      sources: [
        { name: 'junk', tokenSha256: createHash('sha256').update(JUNK_TOKEN).digest('hex') },
      ],
    };
    server = await startTestServer({ clock, flags: { signals: JSON.stringify(signals) } });
    dataDir = server.dataDir;
    await catalog(server);
  });
  after(() => server.stop());

  test('newer signals beyond what a restart reads back (folded in memory, each stored) never push out an older restriction', async () => {
    const rogue = await attestedAgent(server, 'rogue', SCOPES);
    const agent = spiffeIdOf(server, 'rogue');
    assert.equal(
      (
        await call(server, 'POST', '/v1/signals', {
          agent,
          kind: 'prompt_injection',
          risk: 75,
          source: 'guardrail',
          ttl_seconds: 3600,
        })
      ).status,
      201,
    );
    // Risk 0 about the same agent: each is folded in memory (nothing in force changes) and each stored.
    for (let i = 0; i < 45; i++) {
      clock.advance(10);
      assert.equal(
        (
          await call(
            server,
            'POST',
            '/v1/signals',
            { agent, kind: 'noise', risk: 0, source: 'junk' },
            JUNK_TOKEN,
          )
        ).status,
        201,
      );
    }
    const { token } = await newTask(rogue, SCOPES);
    assert.deepEqual(await decide(server, token, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);

    const port = Number(new URL(server.url).port);
    await server.stop({ keepData: true });
    server = await startTestServer({
      clock,
      dataDir,
      flags: { port, signals: JSON.stringify({ maxSubjects: 20, maxSignalsPerSubject: 2 }) },
    });
    await fetch(`${server.url}/.well-known/jwks.json`).catch(() => undefined);
    assert.deepEqual(
      await decide(server, token, 'docs/read'),
      ['approval_required', ['mandate.signal-needs-approval']],
      'the restriction survived the restart',
    );
  });
});

describe('ASI08 attack: a task folded into its agent makes its detector fire on every call', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      flags: { signals: JSON.stringify({ maxTaskSubjectsPerAgent: 1 }) },
    });
    await catalog(server);
  });
  after(() => server.stop());

  test('a detector stays quiet for a task while its signal lives, folded into the agent or not (no stored signal, audit event or response per call)', async () => {
    const agent = await attestedAgent(server, 'repeater', SCOPES);
    const first = await newTask(agent, ['tool:docs/read']);
    await decide(server, first.token, 'docs/secret', { approved: true });
    await eventually(
      async () =>
        (await auditEvents(server)).some((e) => e.action === 'signal.detected') || undefined,
      'the first task’s signal',
    );
    // The second task's signals are folded into the agent (one task subject per agent here).
    const second = await newTask(agent, ['tool:docs/read']);
    for (let i = 0; i < 5; i++)
      await decide(server, second.token, 'docs/secret', { approved: true });
    await server.mandate.signals.idle();
    const about = (await auditEvents(server)).filter(
      (e) =>
        e.action === 'signal.detected' &&
        (e.details as Json).kind === 'undeclared_tool' &&
        String((e.details as Json).reason).includes(second.taskId),
    );
    assert.equal(
      about.length,
      1,
      'one undeclared_tool signal for docs/secret in the second task, not one per call',
    );
  });
});
