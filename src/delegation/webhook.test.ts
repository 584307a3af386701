import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ManualClock, systemClock } from '../core/clock.js';
import { WebhookNotifier } from './webhook.js';
import { verifyWebhook } from './webhook-signature.js';

const SECRET = 'whsec-unit-0123456789abcdef';

/** A loopback receiver answering from a script of statuses (then 204), recording each request. */
class Receiver {
  readonly requests: { body: string; signature: string; eventId: string; type: string }[] = [];
  script: number[] = [];
  url = '';
  #server: Server | undefined;
  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.requests.push({
          body,
          signature: String(req.headers['mandate-signature']),
          eventId: String(req.headers['mandate-event-id']),
          type: String(req.headers['mandate-event-type']),
        });
        const status = this.script.shift() ?? 204;
        if (status === 302) res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        else res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.#server!.close(() => resolve()));
  }
}

/** One turn of the event loop (no wall-clock wait): lets a delivery in flight move on. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs a notifier's deliveries to the end on a ManualClock: while a retry is waiting on the
 * clock, the clock moves on a second at a time until it fires.
 */
async function deliverAll(n: WebhookNotifier, clock: ManualClock) {
  let done = false;
  const idle = n.idle().then(() => (done = true));
  while (!done) {
    if (clock.pendingTimers > 0) clock.advance(1000);
    await turn();
  }
  await idle;
}

describe('webhook delivery', () => {
  const receiver = new Receiver();
  before(() => receiver.start());
  after(() => receiver.close());

  test('send queues and returns at once; the delivery is signed, with the event id and type', async () => {
    receiver.requests.length = 0;
    const n = new WebhookNotifier({ url: receiver.url, secret: SECRET, clock: systemClock });
    const id = n.send({ type: 'grant_request.created', data: { id: 'r1' } });
    assert.equal(receiver.requests.length, 0, "nothing was sent on the caller's time");
    await n.idle();
    assert.equal(receiver.requests.length, 1);
    const [r] = receiver.requests;
    assert.equal(r!.eventId, id);
    assert.equal(r!.type, 'grant_request.created');
    assert.equal(
      verifyWebhook(SECRET, r!.body, r!.signature, Math.floor(Date.now() / 1000)).ok,
      true,
    );
    assert.deepEqual(JSON.parse(r!.body).data, { id: 'r1' });
    assert.deepEqual(n.stats, { delivered: 1, failed: 0, dropped: 0, pending: 0, lastError: null });
  });

  test('a failing receiver gets the same event again with backoff, each attempt signed afresh, until it answers 2xx', async () => {
    receiver.requests.length = 0;
    receiver.script = [503, 500, 302];
    const clock = new ManualClock(Date.now());
    const n = new WebhookNotifier({ url: receiver.url, secret: SECRET, clock });
    const id = n.send({ type: 'approval.requested', data: { id: 'a1' } });
    await deliverAll(n, clock);
    assert.equal(receiver.requests.length, 4, '503, 500, a redirect (not followed), then 204');
    assert.ok(
      receiver.requests.every((r) => r.eventId === id && r.body === receiver.requests[0]!.body),
      'the same event each time',
    );
    assert.ok(
      receiver.requests.every(
        (r) => verifyWebhook(SECRET, r.body, r.signature, Math.floor(clock.now() / 1000)).ok,
      ),
    );
    assert.equal(n.stats.delivered, 1);
    assert.match(n.stats.lastError ?? '', /attempt 3: answered 302/);
  });

  test('after maxAttempts it gives up and counts the failure', async () => {
    receiver.requests.length = 0;
    receiver.script = [500, 500, 500];
    const clock = new ManualClock(Date.now());
    const n = new WebhookNotifier({ url: receiver.url, secret: SECRET, clock, maxAttempts: 3 });
    n.send({ type: 'x.y', data: {} });
    await deliverAll(n, clock);
    assert.equal(receiver.requests.length, 3);
    assert.deepEqual([n.stats.delivered, n.stats.failed], [0, 1]);
  });

  test('a retry waits on the injected clock: none before its backoff, the next once the clock reaches it', async () => {
    receiver.requests.length = 0;
    receiver.script = [503, 503];
    const clock = new ManualClock(Date.now());
    const n = new WebhookNotifier({
      url: receiver.url,
      secret: SECRET,
      clock,
      baseDelayMs: 60_000,
    });
    n.send({ type: 'x.y', data: {} });
    while (n.stats.lastError === null) await turn();
    assert.equal(receiver.requests.length, 1);
    assert.equal(clock.pendingTimers, 1, 'the retry is a timer on the injected clock');
    clock.advance(59_999);
    for (let i = 0; i < 20; i++) await turn();
    assert.equal(receiver.requests.length, 1, 'no retry before the backoff has passed');
    clock.advance(1);
    while (!/attempt 2/.test(n.stats.lastError ?? '')) await turn();
    assert.equal(receiver.requests.length, 2, 'the retry ran once the clock reached it');
    assert.equal(clock.pendingTimers, 1, 'the next retry waits twice as long');
    clock.advance(119_999);
    for (let i = 0; i < 20; i++) await turn();
    assert.equal(receiver.requests.length, 2);
    clock.advance(1);
    await n.idle();
    assert.equal(receiver.requests.length, 3);
    assert.equal(n.stats.delivered, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  test('an unreachable receiver fails without throwing into the caller; close stops the retries', async () => {
    const n = new WebhookNotifier({
      url: 'http://127.0.0.1:1/nothing',
      secret: SECRET,
      clock: systemClock,
      baseDelayMs: 60_000,
    });
    n.send({ type: 'x.y', data: {} });
    // The first attempt fails; its retry waits a minute: close drops it instead.
    while (n.stats.lastError === null) await new Promise((resolve) => setImmediate(resolve));
    n.close();
    await n.idle();
    assert.equal(n.stats.pending, 0);
    assert.equal(
      n.send({ type: 'x.y', data: {} }).startsWith('evt_'),
      true,
      'sending after close is a no-op',
    );
  });

  test('beyond maxQueued, events are dropped and counted rather than held without bound', async () => {
    receiver.requests.length = 0;
    const n = new WebhookNotifier({
      url: receiver.url,
      secret: SECRET,
      clock: systemClock,
      maxQueued: 2,
    });
    for (let i = 0; i < 5; i++) n.send({ type: 'x.y', data: { i } });
    await n.idle();
    assert.equal(n.stats.dropped, 3);
    assert.equal(receiver.requests.length, 2);
  });
});
