// SSF 1.0 §8.1.2 stream status: paused holds the stream's SETs and sends them once it is enabled;
// disabled holds nothing, so a SET queued before the stream was disabled never comes out after it
// is enabled again. Both for a poll stream (RFC 8936) and a push stream (RFC 8935).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { admin, POLL, poll, PUSH, type Receiver, startReceiver, stateOf } from './helpers.js';

describe('SSF stream status', () => {
  let server: TestServer;
  let receiver: Receiver;

  const create = async (delivery: Record<string, unknown>): Promise<string> => {
    const res = await admin(server, 'POST', '/v1/ssf/streams', { delivery });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json.stream_id as string;
  };
  const setStatus = async (id: string, status: string) =>
    assert.equal(
      (await admin(server, 'POST', '/v1/ssf/status', { stream_id: id, status })).json.status,
      status,
    );
  const verify = async (id: string, state: string) =>
    assert.equal(
      (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: id, state })).status,
      204,
    );
  const polledStates = async (id: string) => {
    const { sets } = await poll(server, id);
    if (Object.keys(sets).length > 0)
      await poll(server, id, { ack: Object.keys(sets), maxEvents: 0 });
    return Object.values(sets).map(stateOf);
  };

  before(async () => {
    server = await startTestServer();
    receiver = await startReceiver();
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('poll: paused keeps what was queued and what comes meanwhile; enabled hands it all out', async () => {
    const id = await create({ method: POLL });
    await verify(id, 'queued');
    await setStatus(id, 'paused');
    await verify(id, 'while paused');
    assert.deepEqual(await polledStates(id), [], 'a paused stream hands out nothing');
    await setStatus(id, 'enabled');
    assert.deepEqual(await polledStates(id), ['queued', 'while paused']);
  });

  it('poll: a SET queued before the stream is disabled does not come out after it is enabled again', async () => {
    const id = await create({ method: POLL });
    await verify(id, 'before disable');
    await setStatus(id, 'disabled');
    assert.equal(
      (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: id, state: 'x' })).status,
      409,
      'a disabled stream is not verified',
    );
    await setStatus(id, 'enabled');
    await verify(id, 'after enable');
    assert.deepEqual(await polledStates(id), ['after enable']);
  });

  it('poll: a SET handed out before the stream is disabled is not handed out again after', async () => {
    const id = await create({ method: POLL });
    await verify(id, 'handed out');
    assert.deepEqual(Object.values((await poll(server, id)).sets).map(stateOf), ['handed out']);
    await setStatus(id, 'disabled');
    await setStatus(id, 'enabled');
    // Not acknowledged, yet gone: there is nothing left to hand out again (now or after 30 s).
    const { moreAvailable } = await poll(server, id, { maxEvents: 0 });
    assert.equal(moreAvailable, false);
  });

  it('push: paused holds the SETs, enabled sends them in order', async () => {
    const id = await create({ method: PUSH, endpoint_url: receiver.url });
    await setStatus(id, 'paused');
    await verify(id, 'p1');
    await verify(id, 'p2');
    const before = receiver.received.length;
    await setStatus(id, 'enabled');
    const got = (await receiver.waitFor(before + 2)).slice(before);
    assert.deepEqual(
      got.map((p) => stateOf(p.body)),
      ['p1', 'p2'],
    );
  });

  it('push: a SET failing delivery when the stream is disabled is dropped, and does not block the stream once enabled', async () => {
    const id = await create({ method: PUSH, endpoint_url: receiver.url });
    // The receiver never takes this SET: were it still queued, every later SET would wait behind it.
    receiver.status.of = (set) => (stateOf(set) === 'stuck' ? 503 : undefined);
    const before = receiver.requests.length;
    await verify(id, 'stuck');
    await receiver.waitForRequests(before + 1);
    await setStatus(id, 'disabled');
    await setStatus(id, 'enabled');
    const accepted = receiver.received.length;
    await verify(id, 'after enable');
    const [got] = (await receiver.waitFor(accepted + 1)).slice(accepted);
    assert.equal(stateOf(got!.body), 'after enable');
    receiver.status.of = undefined;
  });
});
