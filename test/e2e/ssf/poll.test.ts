// RFC 8936 §2.4 poll semantics at their edges: maxEvents and moreAvailable (only SETs due now),
// ack, setErrs (acknowledged with an error, reported), redelivery of what was not acknowledged,
// maxEvents 0, long polls (returnImmediately false) woken by a SET, and a push stream refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { admin, POLL, poll, PUSH, ssfWarnings, startReceiver, stateOf } from './helpers.js';

/** RFC 8936: a SET handed out and not acknowledged is handed out again after this (src/ssf/index.ts). */
const REDELIVER_MS = 30_000;

describe('SSF poll (RFC 8936)', () => {
  // The clock only moves by hand: "due again after 30 s" is tested without waiting 30 s.
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  const warnings = ssfWarnings();

  const create = async (): Promise<string> => {
    const res = await admin(server, 'POST', '/v1/ssf/streams', { delivery: { method: POLL } });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json.stream_id as string;
  };
  const verify = async (id: string, state: string) =>
    assert.equal(
      (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: id, state })).status,
      204,
    );
  const statesOf = (sets: Record<string, string>) => Object.values(sets).map(stateOf);

  before(async () => {
    server = await startTestServer({ clock });
  });
  after(async () => {
    warnings.stop();
    await server.stop();
  });

  it('maxEvents 1 with 3 queued answers one SET at a time; moreAvailable counts only SETs due now', async () => {
    const id = await create();
    for (const s of ['one', 'two', 'three']) await verify(id, s);
    const first = await poll(server, id, { maxEvents: 1 });
    assert.deepEqual([statesOf(first.sets), first.moreAvailable], [['one'], true]);
    const second = await poll(server, id, { maxEvents: 1 });
    assert.deepEqual([statesOf(second.sets), second.moreAvailable], [['two'], true]);
    const third = await poll(server, id, { maxEvents: 1 });
    assert.deepEqual(
      [statesOf(third.sets), third.moreAvailable],
      [['three'], false],
      'the two handed out and not acknowledged are not available now',
    );
    assert.deepEqual(
      await poll(server, id, { maxEvents: 0 }),
      { sets: {}, moreAvailable: false },
      'an acknowledge-only poll counts the same way',
    );

    // Acknowledge the first two; the third, not acknowledged, is due again after 30 s.
    const acked = [...Object.keys(first.sets), ...Object.keys(second.sets)];
    assert.deepEqual(await poll(server, id, { ack: acked, maxEvents: 0 }), {
      sets: {},
      moreAvailable: false,
    });
    clock.advance(REDELIVER_MS);
    assert.equal((await poll(server, id, { maxEvents: 0 })).moreAvailable, true);
    const again = await poll(server, id);
    assert.deepEqual(
      again.sets,
      third.sets,
      'the unacknowledged SET again, the same jti and JWT; never an acknowledged one',
    );
    await poll(server, id, { ack: Object.keys(again.sets), maxEvents: 0 });
    clock.advance(REDELIVER_MS);
    assert.deepEqual(await poll(server, id), { sets: {}, moreAvailable: false });
  });

  it('setErrs acknowledges a SET with an error: it is not sent again, and the error is reported', async () => {
    const id = await create();
    await verify(id, 'bad');
    await verify(id, 'good');
    const { sets } = await poll(server, id);
    const [badJti, goodJti] = Object.keys(sets) as [string, string];
    assert.equal(stateOf(sets[badJti]!), 'bad');
    const answer = await poll(server, id, {
      ack: [goodJti],
      setErrs: { [badJti]: { err: 'invalid_key', description: 'no such key' } },
    });
    assert.deepEqual(answer, { sets: {}, moreAvailable: false });
    clock.advance(REDELIVER_MS);
    assert.deepEqual(
      await poll(server, id),
      { sets: {}, moreAvailable: false },
      'neither is handed out again',
    );
    // Reported as the transmitter's other background problems are: a process warning (MANDATE_SSF) naming the stream, the jti and the err.
    for (let i = 0; i < 100 && !warnings.list.some((w) => w.detail.jti === badJti); i++)
      await new Promise((r) => setTimeout(r, 20));
    const reported = warnings.list.filter((w) => w.detail.jti === badJti);
    assert.deepEqual(reported, [
      {
        message: 'ssf receiver refused a set',
        detail: { stream: id, jti: badJti, err: 'invalid_key' },
      },
    ]);
    assert.ok(!warnings.list.some((w) => w.detail.jti === goodJti), 'an ack is not a problem');
  });

  it('a long poll (returnImmediately false) returns when a SET arrives; two long polls share SETs without an empty answer', async () => {
    const id = await create();
    const longPoll = async () => {
      const res = await admin(server, 'POST', `/v1/ssf/poll/${id}`, { returnImmediately: false });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return res.json as { sets: Record<string, string>; moreAvailable: boolean };
    };
    const first = longPoll();
    const second = longPoll();
    // Let both reach the transmitter and wait there (whether they do does not change the answers).
    await new Promise((r) => setTimeout(r, 200));
    await verify(id, 'a');
    const earliest = await Promise.race([first, second]);
    assert.deepEqual(statesOf(earliest.sets), ['a']);
    // The other poll was woken by `a` too, found it taken, and went on waiting.
    await verify(id, 'b');
    const both = await Promise.all([first, second]);
    assert.deepEqual(both.map((r) => statesOf(r.sets)).sort(), [['a'], ['b']]);
  });

  it('polling a push stream is refused with invalid_request, not answered with nothing', async () => {
    const receiver = await startReceiver();
    try {
      const res = await admin(server, 'POST', '/v1/ssf/streams', {
        delivery: { method: PUSH, endpoint_url: receiver.url },
      });
      const id = res.json.stream_id as string;
      const polled = await admin(server, 'POST', `/v1/ssf/poll/${id}`, { returnImmediately: true });
      assert.equal(polled.status, 400);
      assert.equal(polled.json.code, 'invalid_request');
      assert.equal(
        polled.json.detail,
        `stream \`${id}\` delivers by push (\`${PUSH}\`); only a poll stream (\`${POLL}\`) is polled`,
      );
      assert.equal(
        (await admin(server, 'POST', '/v1/ssf/poll/no-such-stream', { returnImmediately: true }))
          .status,
        404,
      );
      assert.equal(
        (await admin(server, 'POST', `/v1/ssf/poll/${id}`, { maxEvents: -1 })).status,
        400,
        'a malformed poll',
      );
    } finally {
      await receiver.close();
    }
  });
});
