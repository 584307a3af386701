import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { AuditEventInput } from '../core/store/index.js';
import { DecisionService } from '../policy/decision-service.js';
import { createDefaultDecisionPoint } from '../policy/engines/wasm.js';
import { docsMailCatalog, taskToken } from '../policy/testing.js';
import { emptySession, recordDecision, type SessionState } from './session-state.js';
import { DEFAULT_SIGNALS, SIGNALS_DETECTORS_OFF, type SignalsConfig } from './signal-config.js';
import { SignalService, type SignalTask } from './signal-service.js';

const TD = 'example.org';
const ALPHA = `spiffe://${TD}/agent/alpha`;
const GHOST = `spiffe://${TD}/agent/ghost`;
const FOREIGN = 'spiffe://partner.example/agent/helper';

type Json = Record<string, unknown>;

/** A signal service over recording ports: tasks t1 (active) and done (ended), agent alpha labelled `env:prod`. */
function harness(
  config: SignalsConfig = DEFAULT_SIGNALS,
  over: {
    endTask?: (id: string) => Promise<unknown>;
    suspendAgent?: (id: string) => Promise<unknown>;
  } = {},
) {
  const clock = new ManualClock();
  const events: AuditEventInput[] = [];
  const ended: [string, string, RequestContext][] = [];
  const suspended: string[] = [];
  const lookups: string[] = [];
  const tasks: Record<string, SignalTask> = {
    t1: {
      id: 't1',
      agent: ALPHA,
      status: 'active',
      purpose: 'triage issues',
      scopes: ['tool:docs/*', 'tool:mail/send'],
      authorizationDetails: [],
    },
    t2: {
      id: 't2',
      agent: ALPHA,
      status: 'active',
      purpose: 'other',
      scopes: ['tool:docs/*'],
      authorizationDetails: [],
    },
    done: {
      id: 'done',
      agent: ALPHA,
      status: 'ended',
      purpose: '',
      scopes: [],
      authorizationDetails: [],
    },
  };
  const signals = new SignalService({
    config,
    clock,
    trustDomain: TD,
    audit: async (e) => void events.push(e),
    task: async (id) => (lookups.push(`task:${id}`), tasks[id]),
    federated: async (domain) => domain === 'partner.example',
    agentLabels: async (id) => (
      lookups.push(`agent:${id}`),
      id === ALPHA ? ['env:prod'] : undefined
    ),
    activeTasks: async (id) =>
      Object.values(tasks)
        .filter((t) => t.agent === id && t.status === 'active')
        .map((t) => t.id),
    endTask: async (id, by, ctx) => {
      await over.endTask?.(id);
      ended.push([id, by, ctx]);
      tasks[id] = { ...tasks[id]!, status: 'ended' };
    },
    suspendAgent: async (id) => {
      await over.suspendAgent?.(id);
      suspended.push(id);
    },
  });
  const admin: RequestContext = { actor: 'admin', requestId: 'req-1' };
  return { clock, events, ended, suspended, lookups, signals, admin };
}

const actions = (events: AuditEventInput[]) => events.map((e) => e.action);
const details = (e: AuditEventInput | undefined) => (e?.details ?? {}) as Json;

describe('outside signals (receive)', () => {
  test('a risk-95 task signal is audited, counts at once, and gets the ladder: approval, read only, the task revoked', async () => {
    const h = harness();
    const r = await h.signals.receive(
      {
        task: 't1',
        kind: 'prompt_injection',
        risk: 95,
        source: 'guardrail',
        reason: 'ignore previous instructions',
      },
      h.admin,
    );
    assert.deepEqual(
      r.responses.map((x) => [x.response, x.outcome, x.targets]),
      [
        ['require_approval', 'success', ['task:t1']],
        ['read_only', 'success', ['task:t1']],
        ['revoke_task', 'success', ['task:t1']],
      ],
    );
    assert.deepEqual(
      h.ended.map(([id, by, ctx]) => [id, by, ctx.actor]),
      [['t1', 'signal:prompt_injection', 'system']],
    );
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 95);
    assert.deepEqual(h.signals.restrictions({ agent: ALPHA, taskId: 't1' }), [
      'read_only',
      'require_approval',
    ]);
    assert.deepEqual(actions(h.events), [
      'signal.received',
      'signal.response',
      'signal.response',
      'signal.response',
    ]);
    const received = h.events[0]!;
    assert.deepEqual(
      [received.actor, received.target, received.requestId],
      ['admin', 'task:t1', 'req-1'],
    );
    assert.deepEqual(
      { ...details(received), signal_id: '-' },
      {
        signal_id: '-',
        kind: 'prompt_injection',
        source: 'guardrail',
        risk: 95,
        confidence: null,
        reason: 'ignore previous instructions',
        task: 't1',
        agent: ALPHA,
        at: '2026-01-01T00:00:00.000Z',
        expires_at: '2026-01-01T00:15:00.000Z',
        responses: ['require_approval', 'read_only', 'revoke_task'],
        ttl_seconds: 900,
      },
    );
    const revoke = details(h.events[3]);
    assert.deepEqual(
      [
        revoke.response,
        revoke.targets,
        (revoke.signal as Json).signal_id,
        (revoke.signal as Json).risk,
      ],
      ['revoke_task', ['task:t1'], r.signal.id, 95],
    );
    assert.equal(
      details(h.events[1]).until,
      '2026-01-01T00:15:00.000Z',
      'a restriction holds until the signal expires',
    );
  });

  test('a signal expires after its ttl: risk and restrictions are gone', async () => {
    const h = harness();
    await h.signals.receive(
      { task: 't2', kind: 'judge', risk: 60, source: 'llm-judge', ttl_seconds: 30 },
      h.admin,
    );
    assert.deepEqual(
      [
        h.signals.risk({ agent: ALPHA, taskId: 't2' }),
        h.signals.restrictions({ agent: ALPHA, taskId: 't2' }),
      ],
      [60, ['require_approval']],
    );
    h.clock.advance(29_999);
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't2' }), 60);
    h.clock.advance(1);
    assert.deepEqual(
      [
        h.signals.risk({ agent: ALPHA, taskId: 't2' }),
        h.signals.restrictions({ agent: ALPHA, taskId: 't2' }),
      ],
      [0, []],
    );
    assert.deepEqual(h.signals.list({ task: 't2' }), []);
  });

  test('confidence alone counts as 100 × (1 − confidence)', async () => {
    const h = harness();
    const r = await h.signals.receive(
      { agent: ALPHA, kind: 'edr', confidence: 0.25, source: 'edr' },
      h.admin,
    );
    assert.equal(r.signal.risk, 75);
    assert.equal(r.signal.confidence, 0.25);
    assert.equal(
      h.signals.risk({ agent: ALPHA, taskId: 'any' }),
      75,
      'an agent signal counts in all its tasks',
    );
  });

  test('an agent signal at the revoke rung ends every active task of the agent; rules add suspension', async () => {
    const h = harness({
      ...DEFAULT_SIGNALS,
      rules: [{ label: 'env:prod', kind: 'edr', responses: ['suspend_agent'] }],
    });
    const r = await h.signals.receive(
      { agent: ALPHA, kind: 'edr', risk: 92, source: 'edr' },
      h.admin,
    );
    assert.deepEqual(
      r.responses.map((x) => [x.response, x.targets]),
      [
        ['require_approval', [ALPHA]],
        ['read_only', [ALPHA]],
        ['revoke_task', ['task:t1', 'task:t2']],
        ['suspend_agent', [ALPHA]],
      ],
    );
    assert.deepEqual(h.suspended, [ALPHA]);
  });

  test('a response that fails is audited as a failure and reported, never thrown', async () => {
    const h = harness(DEFAULT_SIGNALS, {
      suspendAgent: () =>
        Promise.reject(
          new MandateError('not_found', `agent \`${FOREIGN}\` is not registered here`),
        ),
    });
    const r = await h.signals.receive(
      { agent: FOREIGN, kind: 'edr', risk: 10, source: 'edr' },
      h.admin,
    );
    assert.deepEqual(r.responses, []);
    const config = {
      ...DEFAULT_SIGNALS,
      rules: [{ agent: FOREIGN, kind: '*', responses: ['suspend_agent' as const] }],
    };
    const h2 = harness(config, {
      suspendAgent: () =>
        Promise.reject(new MandateError('not_found', 'agent `x` is not registered here')),
    });
    const r2 = await h2.signals.receive(
      { agent: FOREIGN, kind: 'edr', risk: 10, source: 'edr' },
      h2.admin,
    );
    assert.deepEqual(r2.responses, [
      {
        response: 'suspend_agent',
        outcome: 'failure',
        targets: [FOREIGN],
        error: 'agent `x` is not registered here',
      },
    ]);
    const failed = h2.events.at(-1)!;
    assert.deepEqual(
      [failed.action, failed.outcome, details(failed).error],
      ['signal.response', 'failure', 'agent `x` is not registered here'],
    );
  });

  test('bad signals are refused precisely and change nothing', async () => {
    const h = harness();
    const refused = async (body: unknown, code: string, message: RegExp) => {
      await assert.rejects(
        h.signals.receive(body as never, h.admin),
        (err: unknown) =>
          err instanceof MandateError && err.code === code && message.test(err.message),
      );
    };
    await refused(
      { kind: 'x', risk: 10, source: 's' },
      'invalid_request',
      /^`task` or `agent`: send exactly one of them$/,
    );
    await refused(
      { task: 't1', agent: ALPHA, kind: 'x', risk: 10, source: 's' },
      'invalid_request',
      /^`task` or `agent`: send exactly one of them$/,
    );
    await refused(
      { task: 't1', kind: 'x', source: 's' },
      'invalid_request',
      /^`risk` or `confidence`: send one of them \(risk 0\.\.100, confidence 0\.\.1\)$/,
    );
    await refused({ task: 't1', kind: 'x', risk: 101, source: 's' }, 'invalid_request', /^`risk` /);
    await refused(
      { task: 't1', kind: 'x', risk: 10.5, source: 's' },
      'invalid_request',
      /^`risk` must be an integer/,
    );
    await refused(
      { task: 't1', kind: 'x', confidence: 1.5, source: 's' },
      'invalid_request',
      /^`confidence` /,
    );
    await refused(
      { task: 't1', kind: 'Bad Kind', risk: 1, source: 's' },
      'invalid_request',
      /^`kind` must be 1-64 characters/,
    );
    await refused(
      { task: 't1', kind: 'x', risk: 1, source: 'mandate' },
      'invalid_request',
      /^`source` `mandate` is reserved/,
    );
    await refused(
      { task: 't1', kind: 'x', risk: 1, source: 's', ttl_second: 5 },
      'invalid_request',
      /ttl_second/,
    );
    await refused(
      { task: 't1', kind: 'x', risk: 1, source: 's', ttl_seconds: 86_401 },
      'invalid_request',
      /^`ttl_seconds` must be at most 86400$/,
    );
    await refused(
      { agent: 'alpha', kind: 'x', risk: 1, source: 's' },
      'invalid_request',
      /^`agent` must be a spiffe id/,
    );
    await refused(
      { task: 'nope', kind: 'x', risk: 1, source: 's' },
      'not_found',
      /^task `nope` does not exist$/,
    );
    await refused(
      { task: 'done', kind: 'x', risk: 1, source: 's' },
      'conflict',
      /^task `done` is ended/,
    );
    await refused(
      { agent: GHOST, kind: 'x', risk: 1, source: 's' },
      'not_found',
      /^agent `spiffe:\/\/example.org\/agent\/ghost` is not registered$/,
    );
    // Not only the first time: that an agent is not registered is cached as such, never as known.
    await refused(
      { agent: GHOST, kind: 'x', risk: 1, source: 's' },
      'not_found',
      /is not registered$/,
    );
    await refused(
      { agent: 'spiffe://stranger.example/agent/x', kind: 'x', risk: 1, source: 's' },
      'not_found',
      /^trust domain `stranger.example` is not federated/,
    );
    assert.deepEqual(h.events, []);
    assert.deepEqual(h.signals.list({}), []);
  });

  test('beyond maxTaskSubjectsPerAgent a task signal folds into its agent: restrictions agent-wide, revoke_task still only its task', async () => {
    const h = harness({ ...DEFAULT_SIGNALS, maxTaskSubjectsPerAgent: 1 });
    await h.signals.receive({ task: 't1', kind: 'judge', risk: 10, source: 'judge' }, h.admin);
    const r = await h.signals.receive(
      { task: 't2', kind: 'exfiltration', risk: 95, source: 'edr' },
      h.admin,
    );
    assert.deepEqual([r.signal.task, r.signal.agent], [null, ALPHA]);
    assert.deepEqual(r.responses.find((x) => x.response === 'revoke_task')?.targets, ['task:t2']);
    assert.deepEqual(
      h.ended.map(([id]) => id),
      ['t2'],
    );
    assert.deepEqual(
      h.signals.restrictions({ agent: ALPHA, taskId: 't1' }),
      ['read_only', 'require_approval'],
      "it counts in the agent's other tasks",
    );
  });

  test('a signal the book has no room for is refused (unavailable), audited as signal.refused and counted; nothing in force is dropped', async () => {
    const refusals: string[] = [];
    const h = harness({ ...DEFAULT_SIGNALS, maxSubjects: 1 });
    const signals = new SignalService({
      ...harnessDeps(h),
      config: { ...DEFAULT_SIGNALS, maxSubjects: 1 },
      audit: async (e) => void h.events.push(e),
      onRefused: (x) => void refusals.push(x.reason),
    });
    await signals.receive({ task: 't1', kind: 'judge', risk: 10, source: 'judge' }, h.admin);
    await assert.rejects(
      signals.receive({ agent: ALPHA, kind: 'edr', risk: 5, source: 'edr' }, h.admin),
      (err: unknown) => err instanceof MandateError && err.code === 'unavailable',
    );
    assert.deepEqual(refusals, ['book_full']);
    const refused = h.events.find((e) => e.action === 'signal.refused');
    assert.deepEqual(
      [refused?.outcome, details(refused).refusal, details(refused).kind],
      ['failure', 'book_full', 'edr'],
    );
    assert.equal(signals.risk({ agent: ALPHA, taskId: 't1' }), 10);
  });

  test('a signal whose audit cannot be written is not kept', async () => {
    const h = harness();
    const signals = new SignalService({
      ...harnessDeps(h),
      audit: () => Promise.reject(new Error('disk full')),
    });
    await assert.rejects(
      signals.receive({ task: 't1', kind: 'x', risk: 99, source: 's' }, h.admin),
      /disk full/,
    );
    assert.equal(signals.risk({ agent: ALPHA, taskId: 't1' }), 0);
  });
});

describe('risk changes (onRiskChange, sweep)', () => {
  test('a raise is told at once; the fall back is told by the sweep once the signals expire, step by step', async () => {
    const h = harness();
    const changes: [string | null, number, number, string][] = [];
    const signals = new SignalService({
      ...harnessDeps(h),
      onRiskChange: (c) => void changes.push([c.task, c.previous, c.current, c.reason]),
    });
    await signals.receive(
      {
        task: 't1',
        kind: 'judge',
        risk: 45,
        source: 'llm-judge',
        reason: 'odd tool choice',
        ttl_seconds: 30,
      },
      h.admin,
    );
    await signals.receive(
      { task: 't1', kind: 'judge', risk: 20, source: 'llm-judge', ttl_seconds: 60 },
      h.admin,
    );
    await signals.receive(
      { agent: ALPHA, kind: 'edr', risk: 70, source: 'edr', ttl_seconds: 10 },
      h.admin,
    );
    assert.deepEqual(
      changes,
      [
        ['t1', 0, 45, 'odd tool choice'],
        [null, 0, 70, 'edr'],
      ],
      'the weaker signal moved nothing',
    );
    signals.sweep();
    assert.equal(changes.length, 2, 'nothing expired yet');
    h.clock.advance(10_000);
    signals.sweep();
    assert.deepEqual(changes.slice(2), [[null, 70, 0, 'signals expired']]);
    h.clock.advance(20_000);
    signals.sweep();
    assert.deepEqual(changes.slice(3), [['t1', 45, 20, 'signals expired']]);
    h.clock.advance(30_000);
    signals.sweep();
    signals.sweep();
    assert.deepEqual(changes.slice(4), [['t1', 20, 0, 'signals expired']], 'told once');
  });

  test('a signal that arrives after a fall the sweep has not told yet tells the fall itself', async () => {
    const h = harness();
    const changes: [number, number][] = [];
    const signals = new SignalService({
      ...harnessDeps(h),
      onRiskChange: (c) => void changes.push([c.previous, c.current]),
    });
    await signals.receive(
      { task: 't1', kind: 'judge', risk: 75, source: 'llm-judge', ttl_seconds: 30 },
      h.admin,
    );
    h.clock.advance(30_000);
    await signals.receive(
      { task: 't1', kind: 'judge', risk: 10, source: 'llm-judge', ttl_seconds: 30 },
      h.admin,
    );
    signals.sweep();
    h.clock.advance(30_000);
    signals.sweep();
    assert.deepEqual(changes, [
      [0, 75],
      [75, 10],
      [10, 0],
    ]);
  });

  test("restore: stored signals count as told, and the falls while Mandate was down are told by the next sweep; an ended task's are not", async () => {
    const h = harness();
    const changes: [string | null, number, number][] = [];
    const signals = new SignalService({
      ...harnessDeps(h),
      task: async (id) =>
        id === 'done'
          ? { id, agent: ALPHA, status: 'ended', purpose: '', scopes: [], authorizationDetails: [] }
          : {
              id,
              agent: ALPHA,
              status: 'active',
              purpose: '',
              scopes: ['tool:*'],
              authorizationDetails: [],
            },
      onRiskChange: (c) => void changes.push([c.task, c.previous, c.current]),
    });
    const now = h.clock.now();
    const stored = (id: string, task: string | null, risk: number, expiresAt: number) =>
      Object.freeze({
        id,
        kind: 'judge',
        source: 'judge',
        risk,
        confidence: null,
        reason: null,
        task,
        agent: ALPHA,
        at: now - 60_000,
        expiresAt,
        responses: Object.freeze([]),
        key: null,
      });
    const restored = await signals.restore([
      stored('a', null, 80, now - 1),
      stored('b', 't1', 80, now - 1),
      stored('c', 't1', 40, now + 60_000),
      stored('d', 'done', 90, now + 60_000),
    ]);
    assert.equal(restored, 1, 'only the live signal of an active task');
    assert.deepEqual(changes, [], 'told by the next sweep, once the listener can deliver');
    signals.sweep();
    assert.deepEqual(
      changes.sort(),
      [
        [null, 80, 0],
        ['t1', 80, 40],
      ].sort(),
    );
    assert.equal(signals.risk({ agent: ALPHA, taskId: 't1' }), 40);
  });

  test('an ended task is not told as a falling risk', async () => {
    const h = harness();
    const changes: number[] = [];
    const signals = new SignalService({
      ...harnessDeps(h),
      onRiskChange: (c) => void changes.push(c.current),
    });
    await signals.receive(
      { task: 't1', kind: 'judge', risk: 50, source: 'llm-judge', ttl_seconds: 30 },
      h.admin,
    );
    signals.forgetTask('t1');
    h.clock.advance(60_000);
    signals.sweep();
    assert.deepEqual(changes, [50]);
  });
});

/** The ports of a harness's service, to build a variant. */
function harnessDeps(h: ReturnType<typeof harness>) {
  return {
    config: DEFAULT_SIGNALS,
    clock: h.clock,
    trustDomain: TD,
    task: async (id: string) =>
      id === 't1'
        ? {
            id,
            agent: ALPHA,
            status: 'active',
            purpose: '',
            scopes: ['tool:*'],
            authorizationDetails: [],
          }
        : undefined,
    agentLabels: async () => [],
    activeTasks: async () => [],
    endTask: async () => undefined,
    suspendAgent: async () => undefined,
    audit: async () => undefined,
  };
}

describe('built-in detectors (observe)', () => {
  /** Records `n` denials of `db/drop` in task t1 and hands each state to the service. */
  async function deny(
    h: ReturnType<typeof harness>,
    state: SessionState,
    n: number,
  ): Promise<SessionState> {
    let s = state;
    for (let i = 0; i < n; i++) {
      h.clock.advance(1_000);
      s = recordDecision(s, {
        toolId: 'docs/read',
        outcome: 'deny',
        at: h.clock.now(),
        destinations: [],
      });
      h.signals.observe('t1', s, { agent: ALPHA, requestId: `r${i}` });
      await h.signals.idle();
    }
    return s;
  }

  test("a denial streak raises the task's risk to the detector's, once while it lives, and its ladder response is audited", async () => {
    const h = harness();
    await deny(h, emptySession('t1'), 4);
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 0);
    assert.deepEqual(h.events, []);
    const h2 = harness();
    await deny(h2, emptySession('t1'), 7);
    assert.equal(h2.signals.risk({ agent: ALPHA, taskId: 't1' }), 60);
    assert.deepEqual(h2.signals.restrictions({ agent: ALPHA, taskId: 't1' }), ['require_approval']);
    assert.deepEqual(
      actions(h2.events),
      ['signal.detected', 'signal.response'],
      'fired once for the streak of 5, 6 and 7',
    );
    const detected = details(h2.events[0]);
    assert.deepEqual(
      [
        h2.events[0]!.actor,
        h2.events[0]!.requestId,
        detected.kind,
        detected.source,
        detected.risk,
        detected.detector,
      ],
      ['system', 'r4', 'denial_streak', 'mandate', 60, { streak: 5, threshold: 5 }],
    );
    assert.deepEqual(details(h2.events[1]).response, 'require_approval');
  });

  test('the same detector fires again once its signal has expired', async () => {
    const h = harness();
    const s = await deny(h, emptySession('t1'), 5);
    h.clock.advance(900_000);
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 0);
    await deny(h, s, 1);
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 60);
    assert.deepEqual(actions(h.events), [
      'signal.detected',
      'signal.response',
      'signal.detected',
      'signal.response',
    ]);
  });

  test('with the task and labels cached, the signal counts before observe returns', async () => {
    const h = harness();
    h.signals.risk({ agent: ALPHA, taskId: 't1' }); // what the decision service asks first: starts the loads
    await h.signals.idle();
    await new Promise((r) => setImmediate(r));
    let s = emptySession('t1');
    for (let i = 0; i < 5; i++)
      s = recordDecision(s, { toolId: 'docs/read', outcome: 'deny', at: i, destinations: [] });
    h.signals.observe('t1', s, { agent: ALPHA, requestId: null });
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 60, 'no await in between');
    await h.signals.idle();
    assert.equal(h.lookups.filter((l) => l === 'task:t1').length, 1, 'the task is read once');
  });

  test('an undeclared tool, a classification jump and a new external host each fire with their configured responses', async () => {
    const h = harness({
      ...DEFAULT_SIGNALS,
      detectors: {
        ...DEFAULT_SIGNALS.detectors,
        new_external_destination: {
          ...DEFAULT_SIGNALS.detectors.new_external_destination,
          responses: ['suspend_agent'],
        },
      },
    });
    let s = recordDecision(emptySession('t1'), {
      toolId: 'crm/export',
      outcome: 'allow',
      at: 1,
      destinations: [{ host: 'drop.example', external: true }],
      classificationReturned: 'confidential',
    });
    h.signals.observe('t1', s, { agent: ALPHA, requestId: null });
    await h.signals.idle();
    const found = h.signals
      .list({ task: 't1' })
      .map((x) => [x.kind, x.risk, x.responses])
      .sort();
    assert.deepEqual(found, [
      ['classification_jump', 40, ['read_only']],
      ['new_external_destination', 20, ['suspend_agent']],
      ['undeclared_tool', 60, ['require_approval']],
    ]);
    assert.deepEqual(h.suspended, [ALPHA]);
    assert.deepEqual(h.signals.restrictions({ agent: ALPHA, taskId: 't1' }), [
      'read_only',
      'require_approval',
    ]);
    // The same call again: every key is still live, nothing new.
    s = recordDecision(s, {
      toolId: 'crm/export',
      outcome: 'allow',
      at: 2,
      destinations: [{ host: 'drop.example', external: true }],
      classificationReturned: 'confidential',
    });
    const before = h.events.length;
    h.signals.observe('t1', s, { agent: ALPHA, requestId: null });
    await h.signals.idle();
    assert.equal(h.events.length, before);
  });

  test('with the detectors off nothing is looked up or kept', async () => {
    const h = harness(SIGNALS_DETECTORS_OFF);
    let s = emptySession('t1');
    for (let i = 0; i < 6; i++)
      s = recordDecision(s, { toolId: 'x/y', outcome: 'deny', at: i, destinations: [] });
    h.signals.risk({ agent: ALPHA, taskId: 't1' });
    h.signals.observe('t1', s, { agent: ALPHA, requestId: null });
    await h.signals.idle();
    assert.deepEqual([h.events, h.lookups, h.signals.list({})], [[], [], []]);
  });

  test("forgetTask drops a task's signals", async () => {
    const h = harness();
    await deny(h, emptySession('t1'), 5);
    h.signals.forgetTask('t1');
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 0);
  });
});

describe('wired into the decision service', () => {
  const ALPHA_TOKEN = taskToken('t1');
  test('a scripted session: the denial streak makes the next call need approval, the classification jump makes writes fail', async () => {
    const h = harness();
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: createDefaultDecisionPoint,
      internalDomains: [TD],
      clock: h.clock,
      risk: (c) => h.signals.risk(c),
      restrictions: (c) => h.signals.restrictions(c),
      onDecision: (taskId, state, _result, call) => h.signals.observe(taskId, state, call),
    });
    const call = async (toolId: string, extra: { arguments?: Json; approved?: boolean } = {}) => {
      const r = await svc.authorize({ principal: ALPHA_TOKEN, toolId, ...extra });
      await h.signals.idle();
      return [r.outcome, r.reasons];
    };
    assert.deepEqual(await call('docs/read'), ['allow', ['mandate.allow-scoped-tools']]);
    // A declared (tool:docs/*) but uncataloged tool: denied, and nothing but the streak fires.
    for (let i = 0; i < 4; i++)
      assert.deepEqual(await call('docs/missing'), [
        'deny',
        ['mandate.destructive-needs-approval', 'mandate.deny-unknown-tools'],
      ]);
    assert.equal(h.signals.risk({ agent: ALPHA, taskId: 't1' }), 0);
    assert.deepEqual(await call('docs/missing'), [
      'deny',
      ['mandate.destructive-needs-approval', 'mandate.deny-unknown-tools'],
    ]);
    assert.deepEqual(await call('docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
    assert.deepEqual(await call('docs/read', { approved: true }), [
      'allow',
      ['mandate.allow-scoped-tools'],
    ]);
    // Approved, the confidential read taints the task (public → confidential): read only from now on.
    assert.deepEqual(await call('docs/secret', { approved: true }), [
      'allow',
      ['mandate.allow-scoped-tools'],
    ]);
    assert.deepEqual(
      await call('mail/send', { arguments: { to: 'a@mail.example.org' }, approved: true }),
      ['deny', ['mandate.signal-read-only']],
    );
    assert.deepEqual(await call('docs/read', { approved: true }), [
      'allow',
      ['mandate.allow-scoped-tools'],
    ]);
    assert.deepEqual(
      h.signals
        .list({ task: 't1' })
        .map((s) => s.kind)
        .sort(),
      ['classification_jump', 'denial_streak'],
    );
  });

  test('an observer that throws changes no answer', async () => {
    const svc = new DecisionService({
      catalog: docsMailCatalog(),
      decisionPoint: createDefaultDecisionPoint,
      internalDomains: [TD],
      onDecision: () => {
        throw new Error('boom');
      },
    });
    const r = await svc.authorize({ principal: ALPHA_TOKEN, toolId: 'docs/read' });
    assert.equal(r.outcome, 'allow');
    assert.equal(svc.session('t1').callCount, 1);
  });
});
