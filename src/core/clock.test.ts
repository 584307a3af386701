import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { after, every, ManualClock } from './clock.js';

describe('ManualClock timers', () => {
  test('a timeout fires when the clock is advanced past it, with now() at its due time, once', () => {
    const clock = new ManualClock(1000);
    const seen: number[] = [];
    after(clock, 50, () => seen.push(clock.now()));
    clock.advance(49);
    assert.deepEqual(seen, []);
    clock.advance(1);
    assert.deepEqual(seen, [1050]);
    clock.advance(1000);
    assert.deepEqual(seen, [1050]);
    assert.equal(clock.pendingTimers, 0);
  });

  test('timers fire in due order; an interval keeps its phase and fires once when it fell behind', () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    every(clock, 10, () => seen.push(`i@${clock.now()}`));
    after(clock, 15, () => seen.push(`t@${clock.now()}`));
    clock.advance(10);
    clock.advance(10);
    assert.deepEqual(seen, ['i@10', 't@15', 'i@20']);
    clock.advance(35);
    assert.deepEqual(seen.slice(3), ['i@30']);
    assert.equal(clock.now(), 55);
    clock.advance(5);
    assert.deepEqual(seen.slice(4), ['i@60']);
  });

  test('a cancelled timer never fires; one cancelled by an earlier one in the same advance neither', () => {
    const clock = new ManualClock(0);
    const seen: string[] = [];
    const stopB = after(clock, 20, () => seen.push('b'));
    after(clock, 10, () => {
      seen.push('a');
      stopB();
    });
    const stopC = every(clock, 5, () => seen.push('c'));
    stopC();
    clock.advance(30);
    assert.deepEqual(seen, ['a']);
    assert.equal(clock.pendingTimers, 0);
  });

  test('a timeout of 0 ms does not fire in the call that sets it', () => {
    const clock = new ManualClock(0);
    let fired = 0;
    clock.advance(0);
    after(clock, 0, () => fired++);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
  });
});
