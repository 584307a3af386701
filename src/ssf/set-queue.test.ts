import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SetQueue } from './set-queue.js';

const set = (jti: string) => ({ jti, jwt: `jwt.${jti}` });
const queue = (max: number) => new SetQueue({ max, ttlMs: 60_000, redeliverMs: 30_000 });

describe('SSF set queue', () => {
  test('beyond max the oldest risk change goes, never a revocation while a risk change is queued', () => {
    const q = queue(3);
    q.add(set('revoked'), 0);
    q.add(set('r1'), 0, 'task:a');
    q.add(set('r2'), 0, 'task:b');
    assert.deepEqual(q.add(set('r3'), 0, 'task:c'), { risk: 1, other: 0 });
    assert.deepEqual(q.add(set('r4'), 0, 'task:d'), { risk: 1, other: 0 });
    assert.deepEqual(Object.keys(q.take(10, 0).sets), ['revoked', 'r3', 'r4']);
    assert.deepEqual(q.stats, { droppedRisk: 2, droppedOther: 0, coalesced: 0 });
  });

  test('with only revocations queued, the oldest goes (bounded), and is counted as such', () => {
    const q = queue(2);
    q.add(set('a'), 0);
    q.add(set('b'), 0);
    assert.deepEqual(q.add(set('c'), 0), { risk: 0, other: 1 });
    assert.deepEqual(q.stats.droppedOther, 1);
  });

  test('a risk change replaces its subject\'s change not yet handed out; one handed out is kept and the new one queued after it', () => {
    const q = queue(10);
    q.add(set('m'), 0, 'task:a');
    q.add(set('h'), 0, 'task:a');
    assert.deepEqual(Object.keys(q.take(10, 0).sets), ['h']);
    q.add(set('l'), 0, 'task:a');
    assert.equal(q.size, 2, 'the handed-out one waits for its acknowledgement');
    assert.deepEqual(q.stats.coalesced, 1);
  });
});
