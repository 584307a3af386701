import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import { TokenBuckets } from './rate-limit.js';

test('token buckets: a burst, then the refill rate, per key', () => {
  const clock = new ManualClock();
  const buckets = new TokenBuckets(clock);
  const limit = { perMinute: 6, burst: 2 };
  assert.deepEqual(buckets.take('a', limit), { ok: true });
  assert.deepEqual(buckets.take('a', limit), { ok: true });
  assert.deepEqual(buckets.take('a', limit), { ok: false, retryAfterSeconds: 10 });
  assert.deepEqual(buckets.take('b', limit), { ok: true }, 'another agent has its own bucket');
  clock.advance(4_000);
  assert.deepEqual(
    buckets.take('a', limit),
    { ok: false, retryAfterSeconds: 6 },
    'a refused request takes nothing',
  );
  clock.advance(6_000);
  assert.deepEqual(buckets.take('a', limit), { ok: true });
  clock.advance(3_600_000);
  assert.deepEqual(buckets.take('a', limit), { ok: true });
  assert.deepEqual(buckets.take('a', limit), { ok: true });
  assert.equal(buckets.take('a', limit).ok, false, 'refill stops at the burst size');
});

test('token buckets: the least recently used bucket goes beyond the bound', () => {
  const clock = new ManualClock();
  const buckets = new TokenBuckets(clock, 2);
  const limit = { perMinute: 1, burst: 1 };
  assert.equal(buckets.take('a', limit).ok, true);
  assert.equal(buckets.take('b', limit).ok, true);
  assert.equal(buckets.take('b', limit).ok, false);
  assert.equal(buckets.take('c', limit).ok, true);
  assert.equal(buckets.take('b', limit).ok, false, 'b was used recently and is kept');
  assert.equal(buckets.take('a', limit).ok, true, 'a was dropped and comes back full');
});
