import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SetQueue } from './set-queue.js';

const set = (jti: string) => ({ jti, jwt: `jwt.${jti}` });
const task = (id: string, from: number, to: number) => ({
  subject: `task:${id}`,
  agent: false,
  previous: from,
  current: to,
});
const agent = (id: string, from: number, to: number) => ({
  subject: `agent:${id}`,
  agent: true,
  previous: from,
  current: to,
});
const queue = (max: number) => new SetQueue({ max, ttlMs: 60_000, redeliverMs: 30_000 });

describe('SSF set queue', () => {
  test('beyond max the oldest risk change goes, never a revocation while a risk change is queued', () => {
    const q = queue(3);
    q.add(set('revoked'), 0);
    q.add(set('r1'), 0, task('a', 0, 1));
    q.add(set('r2'), 0, task('b', 0, 1));
    assert.deepEqual(q.add(set('r3'), 0, task('c', 0, 1)), { risk: 1, raises: 1, other: 0 });
    assert.deepEqual(q.add(set('r4'), 0, task('d', 0, 1)), { risk: 1, raises: 1, other: 0 });
    assert.deepEqual(Object.keys(q.take(10, 0).sets), ['revoked', 'r3', 'r4']);
    assert.deepEqual(q.stats, { droppedRisk: 2, droppedRaises: 2, droppedOther: 0, coalesced: 0 });
  });

  test('with only revocations queued, the oldest goes (bounded), and is counted as such', () => {
    const q = queue(2);
    q.add(set('a'), 0);
    q.add(set('b'), 0);
    assert.deepEqual(q.add(set('c'), 0), { risk: 0, raises: 0, other: 1 });
    assert.deepEqual(q.stats.droppedOther, 1);
  });

  test("a risk change replaces its subject's change not yet handed out; one handed out is kept and the new one queued after it", () => {
    const q = queue(10);
    q.add(set('m'), 0, task('a', 0, 1));
    q.add(set('h'), 0, task('a', 1, 2));
    assert.deepEqual(Object.keys(q.take(10, 0).sets), ['h']);
    q.add(set('l'), 0, task('a', 2, 0));
    assert.equal(q.size, 2, 'the handed-out one waits for its acknowledgement');
    assert.deepEqual(q.stats.coalesced, 1);
  });

  test('a flood of task raises from one agent never pushes out the raise of its own agent-level risk', () => {
    const q = queue(5);
    q.add(set('agent-up'), 0, agent('x', 0, 2));
    for (let i = 0; i < 50; i++) q.add(set(`t${String(i)}`), 0, task(String(i), 0, 1));
    assert.ok('agent-up' in q.take(10, 0).sets, 'the agent-level raise is kept');
  });

  test('under pressure: a superseded change first, then falls, then raises; task subjects before agent ones; lower levels before higher; among equals the oldest', () => {
    const q = new SetQueue({ max: 6, ttlMs: 1e12, redeliverMs: 1 });
    q.add(set('agent-fall'), 0, agent('y', 2, 0));
    q.add(set('task-high'), 0, task('h', 0, 2));
    q.add(set('agent-up'), 0, agent('x', 0, 1));
    q.add(set('old-a'), 0, task('a', 1, 0));
    q.take(10, 0); // all handed out, not acknowledged
    q.add(set('new-a'), 0, task('a', 0, 1)); // supersedes old-a
    q.add(set('task-fall'), 0, task('f', 1, 0));
    const order: string[] = [];
    let t = 0;
    const queued = () => new Set(Object.keys(q.take(100, (t += 10)).sets));
    let before = new Set(['agent-fall', 'task-high', 'agent-up', 'old-a', 'new-a', 'task-fall']);
    for (let i = 0; i < 6; i++) {
      q.add(set(`rev${String(i)}`), t); // a revocation each: one risk change must go
      const now = queued();
      for (const jti of before) if (!now.has(jti)) order.push(jti);
      before = new Set([...now].filter((j) => !j.startsWith('rev')));
    }
    assert.deepEqual(order, ['old-a', 'task-fall', 'agent-fall', 'new-a', 'task-high', 'agent-up']);
    assert.deepEqual(q.stats, { droppedRisk: 6, droppedRaises: 3, droppedOther: 0, coalesced: 0 });
  });
});
