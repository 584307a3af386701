// RFC 9449 §9: the one-process nonce source.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RotatingDpopNonces } from './nonce.js';

const T0 = Date.UTC(2030, 0, 1);

test('RotatingDpopNonces: the previous nonce is honoured one lifetime, not two', () => {
  const clock = { now: T0 };
  const nonces = new RotatingDpopNonces({ lifetimeSeconds: 10, now: () => clock.now });
  const first = nonces.issue();
  assert.equal(nonces.issue(), first);
  clock.now += 10_000;
  const second = nonces.issue();
  assert.notEqual(second, first);
  assert.ok(nonces.check(first) && nonces.check(second));
  clock.now += 25_000;
  assert.ok(
    !nonces.check(first) && !nonces.check(second),
    'idle for two lifetimes: both are stale',
  );
  assert.ok(!nonces.check(''));
});
