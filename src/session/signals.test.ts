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
  return { id: `s${++n}`, kind: 'k', source: 'guardrail', risk: 10, confidence: null, reason: null, task: 't1', agent: ALPHA, at, expiresAt: at + ttlMs, responses: [], key: null, ...rest };
};

describe('signal book', () => {
  test('a call\'s risk is the highest live signal about its task or its agent; 0 without any', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0), 0);
    book.add(signal({ risk: 30 }), T0);
    book.add(signal({ risk: 55, task: 't2' }), T0);
    book.add(signal({ risk: 70, task: null, agent: BETA }), T0);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0), 30);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't2' }, T0), 55);
    assert.equal(book.risk({ agent: BETA, taskId: 't1' }, T0), 70, 'an agent signal counts in every task the agent acts in');
  });

  test('a signal stops counting when it expires, to the millisecond', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    book.add(signal({ risk: 90, ttlMs: 1_000 }), T0);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 999), 90);
    assert.equal(book.risk({ agent: ALPHA, taskId: 't1' }, T0 + 1_000), 0);
    assert.equal(book.subjectCount, 0, 'nothing live: the task is dropped');
  });

  test('restrictions are the union of the live signals\' restricting responses', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 100 });
    const rs = (...r: ResponseName[]) => r;
    book.add(signal({ responses: rs('read_only', 'revoke_task') }), T0);
    book.add(signal({ task: null, responses: rs('require_approval'), ttlMs: 10 }), T0);
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0), ['read_only', 'require_approval']);
    assert.deepEqual(book.restrictions({ agent: ALPHA, taskId: 't1' }, T0 + 10), ['read_only']);
    assert.deepEqual(book.restrictions({ agent: BETA, taskId: 't9' }, T0), []);
  });

  test('beyond maxPerSubject the weakest goes: no restriction before a restriction, then the lowest risk', () => {
    const book = new SignalBook({ maxPerSubject: 2, maxSubjects: 100 });
    book.add(signal({ risk: 5, responses: ['read_only'], id: 'restricting' }), T0);
    book.add(signal({ risk: 80, id: 'high' }), T0);
    book.add(signal({ risk: 20, id: 'low' }), T0);
    assert.deepEqual(book.list({ task: 't1' }, T0).map((s) => s.id).sort(), ['high', 'restricting']);
  });

  test('beyond maxSubjects, subjects with nothing live go first, then the least recently signalled', () => {
    const book = new SignalBook({ maxPerSubject: 8, maxSubjects: 2 });
    book.add(signal({ task: 'a', ttlMs: 5 }), T0);
    book.add(signal({ task: 'b' }), T0);
    book.add(signal({ task: 'c' }), T0 + 10);
    assert.deepEqual(book.list({}, T0 + 10).map((s) => s.task).sort(), ['b', 'c']);
    book.add(signal({ task: 'd' }), T0 + 10);
    assert.deepEqual(book.list({}, T0 + 10).map((s) => s.task).sort(), ['c', 'd']);
  });

  test('hasKey finds a live detector key of the task; forgetTask drops the task\'s signals', () => {
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
    assert.deepEqual(book.list({ agent: ALPHA }, T0 + 2).map((s) => s.id), ['x2', 'x1']);
    assert.deepEqual(book.list({ task: 't2' }, T0 + 2).map((s) => s.id), ['x3']);
    assert.deepEqual(book.list({ limit: 2 }, T0 + 2).map((s) => s.id), ['x3', 'x2']);
  });
});
