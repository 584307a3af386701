import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { refreshAt, TokenCache } from './token-cache.js';

describe('token cache', () => {
  test('serves a value until cacheUntil, then fetches again', async () => {
    const clock = new ManualClock(0);
    const cache = new TokenCache<string>(clock);
    let calls = 0;
    const fetch = async () => ({ value: `v${++calls}`, cacheUntil: clock.now() + 1000 });
    assert.equal(await cache.get('k', fetch), 'v1');
    clock.advance(999);
    assert.equal(await cache.get('k', fetch), 'v1');
    clock.advance(1);
    assert.equal(await cache.get('k', fetch), 'v2', 'at cacheUntil the entry is stale');
    assert.equal(calls, 2);
  });

  test('single flight: concurrent gets of one key share one fetch; other keys do not wait', async () => {
    const cache = new TokenCache<string>(new ManualClock(0));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const slow = async () => {
      calls++;
      await gate;
      return { value: 'shared', cacheUntil: 10 };
    };
    const many = Promise.all(Array.from({ length: 10 }, () => cache.get('k', slow)));
    assert.equal(await cache.get('other', async () => ({ value: 'o', cacheUntil: null })), 'o');
    release();
    assert.deepEqual(await many, Array(10).fill('shared'));
    assert.equal(calls, 1);
  });

  test('a failure is shared by the callers waiting on it but never cached', async () => {
    const cache = new TokenCache<string>(new ManualClock(0));
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('upstream down');
    };
    const results = await Promise.allSettled([cache.get('k', failing), cache.get('k', failing)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.equal(calls, 1);
    assert.equal(await cache.get('k', async () => ({ value: 'ok', cacheUntil: 5 })), 'ok');
    assert.equal(cache.size, 1);
  });

  test('null or past cacheUntil is not cached; forget(tag) drops only that tag, and a fetch racing a forget is not cached', async () => {
    const clock = new ManualClock(100);
    const cache = new TokenCache<string>(clock);
    await cache.get('a', async () => ({ value: 'a', cacheUntil: null }));
    await cache.get('b', async () => ({ value: 'b', cacheUntil: 50 }));
    assert.equal(cache.size, 0);
    await cache.get('t1', async () => ({ value: '1', cacheUntil: 1000, tag: 'task-1' }));
    await cache.get('t2', async () => ({ value: '2', cacheUntil: 1000, tag: 'task-2' }));
    cache.forget('task-1');
    assert.equal(cache.size, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const racing = cache.get('t3', async () => {
      await gate;
      return { value: '3', cacheUntil: 1000, tag: 'task-3' };
    });
    cache.forget('task-3');
    release();
    assert.equal(await racing, '3');
    assert.equal(cache.size, 1, 'the task ended while its token was being fetched: not cached');
  });

  test('bounded: at capacity expired entries go first, then the oldest', async () => {
    const clock = new ManualClock(0);
    const cache = new TokenCache<string>(clock, 3);
    for (const [k, until] of [
      ['a', 10],
      ['b', 1000],
      ['c', 1000],
    ] as const)
      await cache.get(k, async () => ({ value: k, cacheUntil: until }));
    clock.set(20);
    await cache.get('d', async () => ({ value: 'd', cacheUntil: 1000 }));
    await cache.get('e', async () => ({ value: 'e', cacheUntil: 1000 }));
    assert.equal(cache.size, 3);
    let refetched = false;
    await cache.get('b', async () => ((refetched = true), { value: 'b', cacheUntil: 1000 }));
    assert.ok(refetched, 'the oldest live entry was evicted');
  });

  test('bounded by recency: a token served from the cache outlives one stored after it but not used since', async () => {
    const cache = new TokenCache<string>(new ManualClock(0), 2);
    const fetched: string[] = [];
    const get = (k: string) =>
      cache.get(k, async () => (fetched.push(k), { value: k, cacheUntil: 1000 }));
    await get('a');
    await get('b');
    await get('a');
    await get('c');
    await get('a');
    assert.deepEqual(fetched, ['a', 'b', 'c'], '`a` was used last, so `b` left for `c`');
  });

  test('refreshAt: 30 s before expiry, or after 90% of a short lifetime', () => {
    assert.equal(refreshAt(0, 3_600_000), 3_570_000);
    assert.equal(refreshAt(0, 60_000), 54_000);
    assert.equal(refreshAt(0, 5), 5);
  });
});
