import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import { DEFAULT_SIGNALS, type SignalsConfig } from '../signal-config.js';
import {
  emptySession,
  recordDecision,
  type DecisionRecord,
  type Outcome,
  type SessionState,
} from '../session-state.js';
import { classificationJump } from './classification-jump.js';
import { denialStreak } from './denial-streak.js';
import { runDetectors } from './index.js';
import { newExternalDestination } from './new-external-destination.js';
import { rateSpike } from './rate-spike.js';
import {
  declaredTools,
  targetScope,
  undeclaredTool,
  type DeclaredTask,
} from './undeclared-tool.js';

/**
 * Each detector on a scripted session: a sequence of decisions recorded with `recordDecision` at
 * the times of a manual clock, and the detector asked after every one, as the signal service does.
 */
class Script {
  readonly clock = new ManualClock();
  state: SessionState = emptySession('task-1');

  call(
    toolId: string,
    outcome: Outcome,
    extra: Partial<DecisionRecord> = {},
    stepMs = 1_000,
  ): SessionState {
    this.clock.advance(stepMs);
    this.state = recordDecision(this.state, {
      toolId,
      outcome,
      at: this.clock.now(),
      destinations: [],
      ...extra,
    });
    return this.state;
  }
}

const ext = (host: string) => ({ host, external: true });

describe('denial streak', () => {
  test('fires at the threshold-th consecutive denial and while the streak lasts, not before', () => {
    const s = new Script();
    const fired = [1, 2, 3, 4, 5, 6].map(
      () => denialStreak(s.call('db/drop', 'deny'), { threshold: 5 }).length,
    );
    assert.deepEqual(fired, [0, 0, 0, 0, 1, 1]);
    const f = denialStreak(s.state, { threshold: 5 })[0]!;
    assert.deepEqual(
      [f.kind, f.key, f.details],
      ['denial_streak', 'denial_streak', { streak: 6, threshold: 5 }],
    );
    assert.match(f.reason, /^6 consecutive denials \(threshold 5\)$/);
  });

  test('an allowed call ends the streak; approval_required leaves it as it was and does not fire', () => {
    const s = new Script();
    for (let i = 0; i < 4; i++) s.call('db/drop', 'deny');
    assert.deepEqual(denialStreak(s.call('db/drop', 'approval_required'), { threshold: 5 }), []);
    assert.equal(s.state.denialStreak, 4);
    s.call('docs/read', 'allow');
    for (let i = 0; i < 4; i++)
      assert.deepEqual(denialStreak(s.call('db/drop', 'deny'), { threshold: 5 }), []);
    assert.equal(denialStreak(s.call('db/drop', 'deny'), { threshold: 5 }).length, 1);
  });
});

describe('rate spike', () => {
  test('fires when the decisions in the last 60 s reach the threshold, whatever their outcome', () => {
    const s = new Script();
    const fired: number[] = [];
    for (let i = 0; i < 6; i++)
      fired.push(
        rateSpike(s.call('docs/read', i % 2 ? 'deny' : 'allow', {}, 5_000), { threshold: 5 })
          .length,
      );
    assert.deepEqual(fired, [0, 0, 0, 0, 1, 1]);
    assert.deepEqual(rateSpike(s.state, { threshold: 5 })[0]!.details, {
      calls: 6,
      window_seconds: 60,
      threshold: 5,
    });
  });

  test('the same number of calls spread over more than a minute does not fire', () => {
    const s = new Script();
    for (let i = 0; i < 10; i++)
      assert.deepEqual(
        rateSpike(s.call('docs/read', 'allow', {}, 20_000), { threshold: 5 }),
        [],
        `call ${i}`,
      );
  });
});

describe('new external destination', () => {
  test('fires once per external host at its first allowed contact; internal hosts and denied calls do not count', () => {
    const s = new Script();
    assert.deepEqual(
      newExternalDestination(
        s.call('web/get', 'allow', {
          destinations: [{ host: 'wiki.example.org', external: false }],
        }),
      ),
      [],
    );
    assert.deepEqual(
      newExternalDestination(s.call('mail/send', 'deny', { destinations: [ext('evil.example')] })),
      [],
    );
    const first = newExternalDestination(
      s.call('mail/send', 'allow', { destinations: [ext('partner.example'), ext('cdn.example')] }),
    );
    assert.deepEqual(
      first.map((f) => f.key),
      ['new_external_destination:partner.example', 'new_external_destination:cdn.example'],
    );
    assert.deepEqual(first[0]!.details, { host: 'partner.example', tool: 'mail/send' });
    assert.deepEqual(
      newExternalDestination(
        s.call('mail/send', 'allow', { destinations: [ext('partner.example')] }),
      ),
      [],
    );
    assert.deepEqual(
      newExternalDestination(
        s.call('mail/send', 'allow', { destinations: [ext('evil.example')] }),
      ).map((f) => f.details.host),
      ['evil.example'],
    );
  });
});

describe('classification jump', () => {
  test('fires when one allowed call raises the taint by two ranks or more', () => {
    const s = new Script();
    assert.deepEqual(
      classificationJump(s.call('docs/read', 'allow', { classificationReturned: 'public' }), {
        ranks: 2,
      }),
      [],
    );
    const f = classificationJump(
      s.call('db/query', 'allow', { classificationReturned: 'confidential' }),
      { ranks: 2 },
    );
    assert.deepEqual(
      f.map((x) => [x.key, x.details]),
      [
        [
          'classification_jump:2',
          { from: 'public', to: 'confidential', ranks: 2, tool: 'db/query' },
        ],
      ],
    );
  });

  test('a rise of one rank does not fire, except to restricted; a denied call raises nothing', () => {
    const s = new Script();
    assert.deepEqual(
      classificationJump(s.call('a/x', 'allow', { classificationReturned: 'internal' }), {
        ranks: 2,
      }),
      [],
    );
    assert.deepEqual(
      classificationJump(s.call('a/y', 'allow', { classificationReturned: 'confidential' }), {
        ranks: 2,
      }),
      [],
    );
    assert.deepEqual(
      classificationJump(s.call('vault/read', 'deny', { classificationReturned: 'restricted' }), {
        ranks: 2,
      }),
      [],
    );
    assert.deepEqual(
      classificationJump(s.call('vault/read', 'allow', { classificationReturned: 'restricted' }), {
        ranks: 2,
      }).map((f) => f.details.to),
      ['restricted'],
    );
    assert.deepEqual(
      classificationJump(s.call('vault/read', 'allow', { classificationReturned: 'restricted' }), {
        ranks: 2,
      }),
      [],
      'taint did not rise',
    );
  });

  test('ranks: 1 fires on every rise', () => {
    const s = new Script();
    assert.equal(
      classificationJump(s.call('a/x', 'allow', { classificationReturned: 'internal' }), {
        ranks: 1,
      }).length,
      1,
    );
  });
});

describe('undeclared tool', () => {
  const task: DeclaredTask = {
    purpose: 'triage issues',
    scopes: ['tool:github/*', 'resource:docs/*'],
    authorizationDetails: [{ type: 'tool_access', tools: ['tool:mail/send'] }],
  };

  test("the declared tools are the scopes and the tool_access details' tools", () => {
    assert.deepEqual(declaredTools(task), ['tool:github/*', 'resource:docs/*', 'tool:mail/send']);
    assert.deepEqual(
      [targetScope('github/x'), targetScope('resource:docs/a'), targetScope('prompt:docs/p')],
      ['tool:github/x', 'resource:docs/a', 'prompt:docs/p'],
    );
  });

  test('fires for a tool outside them, allowed or not, and not for a declared one', () => {
    const s = new Script();
    assert.deepEqual(undeclaredTool(s.call('github/list_issues', 'allow'), task, {}), []);
    assert.deepEqual(undeclaredTool(s.call('mail/send', 'allow'), task, {}), []);
    assert.deepEqual(undeclaredTool(s.call('resource:docs/file:///a.md', 'allow'), task, {}), []);
    const f = undeclaredTool(s.call('slack/post', 'deny'), task, {});
    assert.deepEqual(
      f.map((x) => [x.key, x.details]),
      [['undeclared_tool:slack/post', { tool: 'slack/post', outcome: 'deny', by: 'scopes' }]],
    );
    assert.match(f[0]!.reason, /`slack\/post` is outside the task's declared tools/);
    assert.equal(undeclaredTool(s.call('prompt:docs/summarize', 'deny'), task, {}).length, 1);
  });

  test('a purpose listed in `purposes` narrows what counts as declared; another purpose is unaffected', () => {
    const s = new Script();
    const purposes = { 'triage issues': ['tool:github/list_*', 'tool:github/get_*'] };
    assert.deepEqual(undeclaredTool(s.call('github/list_issues', 'allow'), task, purposes), []);
    const f = undeclaredTool(s.call('github/delete_repo', 'allow'), task, purposes);
    assert.deepEqual(
      f.map((x) => x.details.by),
      ['purpose'],
    );
    assert.match(f[0]!.reason, /outside the tools of the task's purpose `triage issues`/);
    assert.deepEqual(
      undeclaredTool(s.state, { ...task, purpose: 'Triage issues' }, purposes),
      [],
      'purposes match the exact text',
    );
  });

  test('a task with no scopes declares nothing', () => {
    const s = new Script();
    assert.equal(
      undeclaredTool(
        s.call('github/list_issues', 'allow'),
        { purpose: '', scopes: [], authorizationDetails: [{ type: 'tool_access' }] },
        {},
      ).length,
      1,
    );
  });
});

describe('runDetectors', () => {
  const config = (over: Partial<SignalsConfig['detectors']> = {}): SignalsConfig => ({
    ...DEFAULT_SIGNALS,
    detectors: { ...DEFAULT_SIGNALS.detectors, ...over },
  });

  test('runs every enabled detector on one state; undeclared_tool only with the task', () => {
    const s = new Script();
    s.call('docs/read', 'allow', { classificationReturned: 'public' });
    const state = s.call('crm/export', 'allow', {
      classificationReturned: 'confidential',
      destinations: [ext('drop.example')],
    });
    const task: DeclaredTask = { purpose: 'p', scopes: ['tool:docs/*'], authorizationDetails: [] };
    assert.deepEqual(
      runDetectors(state, config(), task).map((f) => f.kind),
      ['new_external_destination', 'classification_jump', 'undeclared_tool'],
    );
    assert.deepEqual(
      runDetectors(state, config()).map((f) => f.kind),
      ['new_external_destination', 'classification_jump'],
    );
    const off = config({
      new_external_destination: {
        ...DEFAULT_SIGNALS.detectors.new_external_destination,
        enabled: false,
      },
    });
    assert.deepEqual(
      runDetectors(state, off, task).map((f) => f.kind),
      ['classification_jump', 'undeclared_tool'],
    );
  });

  test('an empty session fires nothing', () => {
    assert.deepEqual(
      runDetectors(emptySession('t'), DEFAULT_SIGNALS, {
        purpose: '',
        scopes: [],
        authorizationDetails: [],
      }),
      [],
    );
  });
});
