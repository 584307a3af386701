import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ResponseName } from './signal-config.js';
import { SignalBook, type Signal } from './signals.js';

const T0 = Date.UTC(2026, 0, 1);
const ALPHA = 'spiffe://example.org/agent/alpha';
const BETA = 'spiffe://example.org/agent/beta';
let n = 0;
const signal = (over: Partial<Signal> & { ttlMs?: number } = {}): Signal => {
  const { ttlMs = 60_000, ...rest } = over;
  const at = rest.at ?? T0;
  return {
    id: `s${++n}`,
    kind: 'k',
    source: 'guardrail',
    risk: 10,
    confidence: null,
    reason: null,
    task: 't1',
    agent: ALPHA,
    at,
    expiresAt: at + ttlMs,
    responses: [],
    key: null,
    ...rest,
  };
};

describe('signal book', () => {
  test("a call's risk is the highest live signal about its task or its agent; 0 without any", () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0), 0);
    book.add(signal({ risk: 30 }), T0);
    book.add(signal({ risk: 55, task: 't2' }), T0);
    book.add(signal({ risk: 70, task: null, agent: BETA }), T0);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0), 30);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't2' }, T0), 55);
    assert.equal(
      book.risk({ agent: BETA, taskId: 't1' }, T0),
      70,
      'an agent signal counts in every task the agent acts in',
    );
  });

  test('a signal stops counting when it expires, to the millisecond', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    book.add(signal({ risk: 90, ttlMs: 1_000 }), T0);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 999), 90);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 1_000), 0);
    assert.equal(book.subjectCount, 0, 'nothing live: the task is dropped');
  });

  test("restrictions are the union of the live signals' restricting responses", () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    const rs = (...r: ResponseName[]) => r;
    book.add(signal({ responses: rs('read_only', 'revoke_task') }), T0);
    book.add(signal({ task: null, responses: rs('require_approval'), ttlMs: 10 }), T0);
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0), [
      'read_only',
      'require_approval',
    ]);
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0 + 10), ['read_only']);
    assert.deepEqual(book.restrictions({ agent: BETA, taskId: 't9' }, T0), []);
  });

  test('beyond maxPerSubject the weakest goes: no restriction before a restriction, then the lowest risk', () => {
    const book = new SignalBook({ maxPerSubject: 2, maxSubjects: 100 });
    book.add(signal({ risk: 5, responses: ['read_only'], id: 'restricting' }), T0);
    book.add(signal({ risk: 80, id: 'high' }), T0);
    book.add(signal({ risk: 20, id: 'low' }), T0);
    assert.deepEqual(
      book
        .list({ task: 't1' }, T0)
        .map((s) => s.id)
        .sort(),
      ['high', 'restricting'],
    );
  });

  test('beyond maxSubjects, subjects with nothing live go first, then the least recently signalled of those not in force', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 2 });
    book.add(signal({ task: 'a', ttlMs: 5 }), T0);
    book.add(signal({ task: 'b', risk: 0 }), T0);
    book.add(signal({ task: 'c', risk: 0 }), T0 + 10);
    assert.deepEqual(
      book
        .list({}, T0 + 10)
        .map((s) => s.task)
        .sort(),
      ['b', 'c'],
    );
    book.add(signal({ task: 'd', risk: 0 }), T0 + 10);
    assert.deepEqual(
      book
        .list({}, T0 + 10)
        .map((s) => s.task)
        .sort(),
      ['c', 'd'],
    );
  });

  test("hasKey finds a live detector key of the task; forgetTask drops the task's signals", () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    book.add(signal({ key: 'rate_spike', ttlMs: 100 }), T0);
    assert.equal(book.hasKey('t1', 'rate_spike', T0 + 99), true);
    assert.equal(book.hasKey('t1', 'rate_spike', T0 + 100), false);
    book.add(signal({ risk: 50 }), T0);
    book.forgetTask('t1');
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0), 0);
  });

  test('list filters by task or agent (its agent signals and the task signals naming it), newest first', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    book.add(signal({ id: 'x1', at: T0 }), T0);
    book.add(signal({ id: 'x2', task: null, at: T0 + 1 }), T0 + 1);
    book.add(signal({ id: 'x3', task: 't2', agent: BETA, at: T0 + 2 }), T0 + 2);
    assert.deepEqual(
      book.list({ agent: ALPHA }, T0 + 2).map((s) => s.id),
      ['x2', 'x1'],
    );
    assert.deepEqual(
      book.list({ task: 't2' }, T0 + 2).map((s) => s.id),
      ['x3'],
    );
    assert.deepEqual(
      book.list({ limit: 2 }, T0 + 2).map((s) => s.id),
      ['x3', 'x2'],
    );
  });

  test('a restriction is never dropped for room: a read_only signal stays in force under 64 stronger require_approval ones', () => {
    const book = new SignalBook({ maxPerSubject: 64, maxSubjects: 100 });
    book.add(
      signal({ kind: 'classification_jump', risk: 40, responses: ['read_only'], ttlMs: 900_000 }),
      T0,
    );
    for (let i = 0; i < 64; i++)
      book.add(
        signal({
          kind: 'undeclared_tool',
          risk: 60,
          responses: ['require_approval'],
          ttlMs: 600_000,
        }),
        T0,
      );
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0), [
      'read_only',
      'require_approval',
    ]);
    assert.equal(
      book.list({ task: 't1' }, T0).length,
      64,
      'at most maxPerSubject are listed one by one',
    );
    // Each restriction holds until its own expiry: require_approval ends at 600 s, read_only at 900 s.
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0 + 600_000), [
      'read_only',
    ]);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 600_000), 40);
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0 + 900_000), []);
  });

  test('a risk folded out for room still counts until it expires', () => {
    const book = new SignalBook({ maxPerSubject: 1, maxSubjects: 100 });
    book.add(signal({ risk: 90, ttlMs: 1_000 }), T0);
    book.add(signal({ risk: 30, ttlMs: 5_000, responses: ['read_only'] }), T0);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 999), 90);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 1_000), 30);
    assert.equal(book.ownRisk({ task: 't1', agent: ALPHA }, T0 + 999), 90);
  });

  test('a subject with live risk or restrictions is never evicted: beyond maxSubjects, a new subject is refused', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 2 });
    book.add(signal({ task: null, risk: 85, responses: ['require_approval', 'read_only'] }), T0);
    book.add(signal({ task: 'b', risk: 0 }), T0);
    // A risk-0 signal without restriction changes no decision: its subject may make room.
    const c = signal({ task: 'c', risk: 10 });
    assert.deepEqual(book.place(c, T0), { ok: true, signal: c });
    book.add(c, T0);
    assert.deepEqual(book.place(signal({ task: 'd', risk: 10 }), T0), {
      ok: false,
      reason: 'book_full',
    });
    for (let i = 0; i < 100; i++) book.add(signal({ task: `flood${i}`, risk: 50 }), T0);
    assert.equal(
      book.risk({ agent: ALPHA, taskId: 'zzz' }, T0),
      85,
      'even when added past the bound, the agent signal stays',
    );
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 'zzz' }, T0), [
      'read_only',
      'require_approval',
    ]);
    assert.ok(
      book.place(signal({ task: 'c', risk: 99 }), T0).ok,
      'a subject already kept takes more signals',
    );
  });

  test("beyond maxTaskSubjectsPerAgent, a task signal is folded into its agent; beyond maxSubjectsPerSource, a source's new subjects are refused", () => {
    const book = new SignalBook({
      maxPerSubject: 8,
      maxSubjects: 100,
      maxTaskSubjectsPerAgent: 2,
      maxSubjectsPerSource: 3,
    });
    for (const t of ['t1', 't2']) book.add(signal({ task: t, source: 'mandate', risk: 60 }), T0);
    const third = book.place(
      signal({ task: 't3', source: 'mandate', risk: 60, reason: 'undeclared' }),
      T0,
    );
    assert.ok(third.ok);
    assert.deepEqual([third.signal.task, third.signal.agent, third.signal.risk], [null, ALPHA, 60]);
    assert.match(third.signal.reason ?? '', /task `t3`/);
    for (const t of ['u1', 'u2', 'u3'])
      book.add(signal({ task: t, agent: BETA, source: 'judge', risk: 10 }), T0);
    assert.deepEqual(
      book.place(
        signal({ task: 'u4', agent: 'spiffe://example.org/agent/gamma', source: 'judge' }),
        T0,
      ),
      { ok: false, reason: 'source_full' },
    );
    assert.ok(book.place(signal({ task: 'u1', agent: BETA, source: 'judge' }), T0).ok);
  });

  test('a call counts the agent signals of every agent on its chain', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    book.add(signal({ task: null, agent: ALPHA, risk: 95, responses: ['read_only'] }), T0);
    assert.equal(book.risk({ agent: BETA, taskId: 't1', chain: [ALPHA, BETA] }, T0), 95);
    assert.deepEqual(book.restrictions({ agent: BETA, taskId: 't9', chain: [ALPHA, BETA] }, T0), [
      'read_only',
    ]);
    assert.equal(book.risk({ agent: BETA, taskId: 't9' }, T0), 0);
  });
});
