import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CLASSIFICATIONS } from '../policy/tool-catalog.js';
import {
  callsInLastWindow,
  emptySession,
  MAX_WINDOW_CALLS,
  RECENT_TOOLS_LIMIT,
  recordDecision,
  snapshot,
  WINDOW_MS,
  type DecisionRecord,
  type SessionState,
} from './session-state.js';

const T0 = Date.UTC(2026, 0, 1);
const allow = (toolId: string, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  toolId,
  outcome: 'allow',
  at: T0,
  destinations: [],
  ...extra,
});
const deny = (toolId: string, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  toolId,
  outcome: 'deny',
  at: T0,
  destinations: [],
  ...extra,
});
const run = (decisions: DecisionRecord[], from: SessionState = emptySession('t')) =>
  decisions.reduce(recordDecision, from);

describe('session state', () => {
  test('starts empty', () => {
    const s = emptySession('task-1');
    assert.equal(s.taskId, 'task-1');
    assert.deepEqual(snapshot(s), {
      tools_called: [],
      highest_classification: 'public',
      highest_classification_rank: 0,
      external_destinations: [],
      denials: 0,
      call_count: 0,
    });
    assert.equal(s.firstExternalAt, null);
    assert.ok(Object.isFrozen(s));
  });

  test('records allowed tools in first-call order, distinct, and the recent calls with repeats', () => {
    const s = run([allow('db/query'), allow('mail/send'), allow('db/query'), deny('fs/rm')]);
    assert.deepEqual(s.toolsCalled.values(), ['db/query', 'mail/send']);
    assert.ok(s.toolsCalled.has('mail/send'));
    assert.ok(!s.toolsCalled.has('fs/rm'), 'a denied call did not happen');
    assert.deepEqual(s.recentTools, ['db/query', 'mail/send', 'db/query']);
    assert.equal(s.callCount, 4);
  });

  test('recent tools are bounded', () => {
    const s = run(Array.from({ length: RECENT_TOOLS_LIMIT + 10 }, (_, i) => allow(`s/t${i}`)));
    assert.equal(s.recentTools.length, RECENT_TOOLS_LIMIT);
    assert.equal(s.recentTools.at(-1), `s/t${RECENT_TOOLS_LIMIT + 9}`);
    assert.equal(s.toolsCalled.size, RECENT_TOOLS_LIMIT + 10);
  });

  test('taint rises with what allowed tools return, and never falls', () => {
    let s = run([allow('db/query', { classificationReturned: 'confidential' })]);
    assert.equal(s.highestClassification, 'confidential');
    assert.equal(s.highestClassificationRank, 2);
    s = run([allow('web/get', { classificationReturned: 'public' }), allow('x/y')], s);
    assert.equal(s.highestClassification, 'confidential');
    s = run(
      [
        deny('vault/read', { classificationReturned: 'restricted' }),
        {
          ...allow('vault/read', { classificationReturned: 'restricted' }),
          outcome: 'approval_required',
        },
      ],
      s,
    );
    assert.equal(s.highestClassificationRank, 2, 'calls that did not happen returned nothing');
    s = recordDecision(s, allow('vault/read', { classificationReturned: 'restricted' }));
    assert.equal(s.highestClassification, 'restricted');
    assert.equal(s.last?.previousClassificationRank, 2);
  });

  test('external destinations come from allowed calls only, first contact recorded', () => {
    const ext = (host: string) => ({ host, external: true });
    let s = run([
      deny('mail/send', { destinations: [ext('evil.com')], at: T0 }),
      allow('web/get', {
        destinations: [{ host: 'wiki.example.org', external: false }],
        at: T0 + 1,
      }),
      allow('mail/send', { destinations: [ext('partner.com'), ext('other.com')], at: T0 + 2 }),
    ]);
    assert.deepEqual(s.externalDestinations.values(), ['partner.com', 'other.com']);
    assert.equal(s.firstExternalAt, T0 + 2);
    assert.deepEqual(s.last?.newExternalDestinations, ['partner.com', 'other.com']);
    s = recordDecision(
      s,
      allow('mail/send', { destinations: [ext('partner.com'), ext('new.com')], at: T0 + 3 }),
    );
    assert.deepEqual(s.last?.newExternalDestinations, ['new.com']);
    assert.equal(s.firstExternalAt, T0 + 2);
    assert.deepEqual(snapshot(s).external_destinations, ['partner.com', 'other.com', 'new.com']);
  });

  test('denials and the denial streak: an allow resets it, approval_required leaves it', () => {
    let s = run([deny('a/b'), deny('a/b')]);
    assert.equal(s.denialStreak, 2);
    s = recordDecision(s, { ...deny('a/b'), outcome: 'approval_required' });
    assert.equal(s.denialStreak, 2);
    assert.equal(s.approvalsRequired, 1);
    s = recordDecision(s, deny('a/b'));
    assert.equal(s.denialStreak, 3);
    s = recordDecision(s, allow('a/c'));
    assert.equal(s.denialStreak, 0);
    assert.equal(s.denials, 3);
    s = recordDecision(s, deny('a/b'));
    assert.equal(s.denialStreak, 1);
    assert.equal(snapshot(s).denials, 4);
  });

  test('the call window keeps the last minute, sorted, bounded', () => {
    let s = run([
      allow('a/b', { at: T0 }),
      deny('a/b', { at: T0 + 30_000 }),
      allow('a/b', { at: T0 + 20_000 }),
    ]);
    assert.deepEqual(
      s.callsInWindow,
      [T0, T0 + 20_000, T0 + 30_000],
      'a late record is slotted in order',
    );
    s = recordDecision(s, allow('a/b', { at: T0 + WINDOW_MS + 25_000 }));
    assert.deepEqual(s.callsInWindow, [T0 + 30_000, T0 + WINDOW_MS + 25_000]);
    s = recordDecision(s, allow('a/b', { at: T0 }));
    assert.deepEqual(
      s.callsInWindow,
      [T0 + 30_000, T0 + WINDOW_MS + 25_000],
      'a record older than the window is counted, not windowed',
    );
    assert.equal(s.callCount, 5);
    assert.equal(s.lastAt, T0 + WINDOW_MS + 25_000);
    assert.equal(callsInLastWindow(s, T0 + WINDOW_MS + 25_000), 2);
    assert.equal(callsInLastWindow(s, T0 + 2 * WINDOW_MS + 1), 1);
    const burst = run(
      Array.from({ length: MAX_WINDOW_CALLS + 50 }, (_, i) => deny('a/b', { at: T0 + i })),
    );
    assert.equal(burst.callsInWindow.length, MAX_WINDOW_CALLS);
    assert.equal(burst.callsInWindow.at(-1), T0 + MAX_WINDOW_CALLS + 49);
  });

  test('is a value: old states are unchanged by later transitions, branches do not mix', () => {
    const base = run([allow('a/one', { destinations: [{ host: 'x.com', external: true }] })]);
    const left = recordDecision(
      base,
      allow('a/left', {
        destinations: [{ host: 'left.com', external: true }],
        classificationReturned: 'restricted',
      }),
    );
    const right = recordDecision(
      base,
      allow('a/right', { destinations: [{ host: 'right.com', external: true }] }),
    );
    assert.deepEqual(snapshot(base), {
      tools_called: ['a/one'],
      highest_classification: 'public',
      highest_classification_rank: 0,
      external_destinations: ['x.com'],
      denials: 0,
      call_count: 1,
    });
    assert.deepEqual(left.toolsCalled.values(), ['a/one', 'a/left']);
    assert.deepEqual(right.toolsCalled.values(), ['a/one', 'a/right']);
    assert.ok(!right.toolsCalled.has('a/left') && !right.externalDestinations.has('left.com'));
    assert.deepEqual(recordDecision(left, allow('a/more')).externalDestinations.values(), [
      'x.com',
      'left.com',
    ]);
    assert.equal(right.highestClassification, 'public');
  });

  test('snapshot is plain json with exactly the six context attributes', () => {
    const s = run([
      allow('db/q', {
        classificationReturned: 'internal',
        destinations: [{ host: 'a.com', external: true }],
      }),
      deny('x/y'),
    ]);
    const snap = snapshot(s);
    assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
    assert.deepEqual(Object.keys(snap).sort(), [
      'call_count',
      'denials',
      'external_destinations',
      'highest_classification',
      'highest_classification_rank',
      'tools_called',
    ]);
    assert.deepEqual(snap, {
      tools_called: ['db/q'],
      highest_classification: 'internal',
      highest_classification_rank: 1,
      external_destinations: ['a.com'],
      denials: 1,
      call_count: 2,
    });
  });
});

const decision: fc.Arbitrary<DecisionRecord> = fc.record({
  toolId: fc.constantFrom('a/x', 'a/y', 'b/z', 'c/w'),
  outcome: fc.constantFrom('allow', 'deny', 'approval_required') as fc.Arbitrary<
    DecisionRecord['outcome']
  >,
  at: fc.integer({ min: T0, max: T0 + 10 * WINDOW_MS }),
  destinations: fc.array(
    fc.record({
      host: fc.constantFrom('a.com', 'b.com', 'c.org', 'x.example.org'),
      external: fc.boolean(),
    }),
    { maxLength: 3 },
  ),
  classificationReturned: fc.option(fc.constantFrom(...CLASSIFICATIONS), { nil: undefined }),
});

describe('session state properties', () => {
  test('the highest classification rank never decreases', () => {
    fc.assert(
      fc.property(fc.array(decision, { maxLength: 60 }), (ds) => {
        let s = emptySession('t');
        for (const d of ds) {
          const next = recordDecision(s, d);
          assert.ok(next.highestClassificationRank >= s.highestClassificationRank);
          assert.equal(CLASSIFICATIONS[next.highestClassificationRank], next.highestClassification);
          s = next;
        }
      }),
    );
  });

  test('callCount equals the number of recorded decisions; counters match a model', () => {
    fc.assert(
      fc.property(fc.array(decision, { maxLength: 80 }), (ds) => {
        const s = run(ds);
        assert.equal(s.callCount, ds.length);
        assert.equal(s.denials, ds.filter((d) => d.outcome === 'deny').length);
        const allowed = ds.filter((d) => d.outcome === 'allow');
        assert.deepEqual(s.toolsCalled.values(), [...new Set(allowed.map((d) => d.toolId))]);
        assert.deepEqual(s.externalDestinations.values(), [
          ...new Set(
            allowed.flatMap((d) => d.destinations.filter((x) => x.external).map((x) => x.host)),
          ),
        ]);
        let streak = 0;
        for (const d of ds)
          streak = d.outcome === 'deny' ? streak + 1 : d.outcome === 'allow' ? 0 : streak;
        assert.equal(s.denialStreak, streak);
        assert.ok(s.callsInWindow.length <= MAX_WINDOW_CALLS);
        const latest = Math.max(...ds.map((d) => d.at));
        assert.deepEqual(
          s.callsInWindow,
          ds
            .map((d) => d.at)
            .filter((t) => t > latest - WINDOW_MS)
            .sort((a, b) => a - b),
        );
      }),
    );
  });

  test('branching from any earlier state never changes it', () => {
    fc.assert(
      fc.property(
        fc.array(decision, { minLength: 1, maxLength: 30 }),
        fc.array(decision, { maxLength: 10 }),
        fc.nat(),
        (trunk, branch, at) => {
          const states = [emptySession('t')];
          for (const d of trunk)
            states.push(recordDecision(states[states.length - 1] as SessionState, d));
          const before = states.map(snapshot);
          const fork = states[at % states.length] as SessionState;
          run(branch, fork);
          assert.deepEqual(states.map(snapshot), before);
        },
      ),
    );
  });
});
