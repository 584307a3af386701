// RFC 8935 push delivery when the receiver is unwell: a 400 with `err` drops the SET for good; a
// 5xx (or no answer) is retried with capped backoff until the receiver recovers, and delivered
// once, in order; retrying ends when the SET's queue TTL would end first, or at transmitter close.
// Retries wait on the server's clock, a ManualClock here: each test moves it on instead of
// waiting out the real backoff.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  admin,
  claimsOf,
  PUSH,
  type Receiver,
  ssfWarnings,
  startReceiver,
  stateOf,
} from './helpers.js';

/** Waits, with a bound, until `check` holds (a background delivery or warning). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(check(), `timed out waiting for ${what}`);
}

/** The longest wait between two tries (src/ssf/index.ts): one step always reaches the next retry. */
const MAX_BACKOFF_MS = 60_000;

/**
 * Moves `clock` on, one longest backoff at a time, until the receiver has seen `n` requests: a
 * retry fires when the clock passes it. The step is repeated because the retry timer is set only
 * once the failed answer is read; the bound only stops a hang. Returns how far the clock moved.
 */
async function retriesUntil(
  clock: ManualClock,
  receiver: Receiver,
  n: number,
  step = MAX_BACKOFF_MS,
): Promise<number> {
  let moved = 0;
  for (let i = 0; i < 200 && receiver.requests.length < n; i++) {
    clock.advance(step);
    moved += step;
    await new Promise((r) => setTimeout(r, 10));
  }
  await receiver.waitForRequests(n);
  return moved;
}

describe('SSF push delivery errors', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let receiver: Receiver;
  let streamId: string;
  let stopped = false;
  const warnings = ssfWarnings();
  const verify = (state: string) =>
    admin(server, 'POST', '/v1/ssf/verify', { stream_id: streamId, state });
  const states = (list: { body: string }[]) => list.map((p) => stateOf(p.body));

  before(async () => {
    server = await startTestServer({ clock });
    receiver = await startReceiver();
    const stream = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: PUSH, endpoint_url: receiver.url },
      events_requested: [],
    });
    assert.equal(stream.status, 201, JSON.stringify(stream.json));
    streamId = stream.json.stream_id as string;
  });
  after(async () => {
    warnings.stop();
    if (!stopped) await server.stop();
    await receiver.close();
  });

  it('a 400 with `err` drops the SET: it is not sent again, and the next SET goes out', async () => {
    receiver.status.code = 400;
    assert.equal((await verify('refused')).status, 204);
    const [refused] = await receiver.waitForRequests(1);
    assert.equal(refused!.status, 400);
    receiver.status.code = 202;
    assert.equal((await verify('next')).status, 204);
    // One SET at a time, in order: had the refused SET been kept for a retry, it would come first.
    const [next] = await receiver.waitFor(1);
    assert.equal(stateOf(next!.body), 'next');
    assert.deepEqual(
      states(receiver.requests),
      ['refused', 'next'],
      'the refused SET was sent once',
    );
    const jti = claimsOf(refused!.body).jti;
    await until(() => warnings.list.some((w) => w.detail.jti === jti), 'the drop warning');
    const drop = warnings.list.find((w) => w.detail.jti === jti)!;
    assert.equal(drop.message, 'ssf push gave up on a set');
    assert.deepEqual(drop.detail, { stream: streamId, jti, why: 'refused: invalid_request' });
  });

  it('a 5xx is retried, and the SET is delivered once when the receiver recovers, before later ones', async () => {
    const before = receiver.requests.length;
    receiver.status.code = 503;
    assert.equal((await verify('outage')).status, 204);
    // The first try and at least one retry fail.
    await retriesUntil(clock, receiver, before + 2);
    assert.equal((await verify('behind')).status, 204);
    receiver.status.code = 202;
    // `behind` waits for the head SET, which waits for its next retry.
    await retriesUntil(clock, receiver, before + 4);
    const delivered = await receiver.waitFor(3);
    assert.deepEqual(
      states(delivered),
      ['next', 'outage', 'behind'],
      'the retried SET first, then the one queued behind it',
    );
    const tries = states(receiver.requests.slice(before));
    assert.ok(tries.length >= 3);
    assert.ok(
      tries.slice(0, -2).every((s) => s === 'outage'),
      `only the head SET is retried: ${tries.join(', ')}`,
    );
    assert.deepEqual(tries.slice(-2), ['outage', 'behind']);
    assert.ok(
      receiver.requests.slice(before, -2).every((r) => r.status === 503),
      'accepted once',
    );
  });

  it('a transmitter that closes stops retrying', async () => {
    receiver.status.code = 503;
    const before = receiver.requests.length;
    assert.equal((await verify('closing')).status, 204);
    await receiver.waitForRequests(before + 1);
    await server.stop();
    stopped = true;
    const seen = receiver.requests.length;
    // The close cancelled the retry's timer (and every other): moving the clock past any backoff fires nothing.
    assert.equal(clock.pendingTimers, 0, 'no retry is scheduled after close');
    clock.advance(10 * MAX_BACKOFF_MS);
    await new Promise((r) => setImmediate(r));
    assert.equal(receiver.requests.length, seen, 'no try after close');
  });
});

describe('SSF push gives up on one SET after ssfPushAttempts', () => {
  it('a SET the receiver keeps failing on is dropped after that many tries, and the SETs behind it go out', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock, flags: { ssfPushAttempts: 3 } });
    const receiver = await startReceiver();
    const warnings = ssfWarnings();
    try {
      const stream = await admin(server, 'POST', '/v1/ssf/streams', {
        delivery: { method: PUSH, endpoint_url: receiver.url },
      });
      const streamId = stream.json.stream_id as string;
      receiver.status.of = (set) => (stateOf(set) === 'poison' ? 500 : undefined);
      assert.equal(
        (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: streamId, state: 'poison' }))
          .status,
        204,
      );
      assert.equal(
        (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: streamId, state: 'behind' }))
          .status,
        204,
      );
      // Three tries of `poison` (two retries on the clock), then `behind` at once.
      await retriesUntil(clock, receiver, 4);
      const [delivered] = await receiver.waitFor(1);
      assert.equal(stateOf(delivered!.body), 'behind');
      assert.deepEqual(
        receiver.requests.map((r) => [stateOf(r.body), r.status]),
        [
          ['poison', 500],
          ['poison', 500],
          ['poison', 500],
          ['behind', 202],
        ],
      );
      const jti = claimsOf(receiver.requests[0]!.body).jti;
      await until(() => warnings.list.some((w) => w.detail.jti === jti), 'the drop warning');
      assert.equal(
        warnings.list.find((w) => w.detail.jti === jti)!.detail.why,
        'status 500 after 3 attempts',
      );
    } finally {
      warnings.stop();
      await server.stop();
      await receiver.close();
    }
  });
});

describe('SSF push retries end with the queue TTL', () => {
  it('an unreachable receiver keeps a SET until its queue TTL would end before the next try, then it is dropped and reported', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock });
    const receiver = await startReceiver();
    const warnings = ssfWarnings();
    try {
      const stream = await admin(server, 'POST', '/v1/ssf/streams', {
        delivery: { method: PUSH, endpoint_url: receiver.url },
      });
      const streamId = stream.json.stream_id as string;
      // Down for this SET only, as if the receiver could not take it yet.
      receiver.status.of = (set) => (stateOf(set) === 'stuck' ? 503 : undefined);
      assert.equal(
        (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: streamId, state: 'stuck' }))
          .status,
        204,
      );
      // Tried again and again, a backoff (at most a minute) apart: the TTL is still most of a day away.
      const moved = await retriesUntil(clock, receiver, 3, 1000);
      // The SET's queue TTL (ssfQueueTtl, one day) now ends 100 ms from now: the retry this fires is its last.
      clock.advance(server.config.ssfQueueTtl * 1000 - moved - 100);
      assert.equal(
        (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: streamId, state: 'after' }))
          .status,
        204,
      );
      const [after] = await receiver.waitFor(1);
      assert.equal(stateOf(after!.body), 'after');
      assert.ok(
        receiver.requests
          .slice(0, -1)
          .every((r) => stateOf(r.body) === 'stuck' && r.status === 503),
      );
      const jti = claimsOf(receiver.requests[0]!.body).jti;
      await until(() => warnings.list.some((w) => w.detail.jti === jti), 'the drop warning');
      const why = warnings.list.find((w) => w.detail.jti === jti)!.detail.why as string;
      assert.match(why, /^status 503 after \d+ attempts; its queue ttl ends before the next$/);
    } finally {
      warnings.stop();
      await server.stop();
      await receiver.close();
    }
  });
});
