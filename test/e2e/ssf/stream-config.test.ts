// SSF 1.0 §8.1.1.3 (PATCH: the members given change, the others stay) and §8.1.1.4 (PUT: the
// receiver-supplied members are replaced, one left out is reset), and what both refuse: another
// delivery method, an unknown stream, a changed transmitter-supplied member, a bad endpoint. A
// refused change changes nothing; the authorization header is never read back nor audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { auditEvents, lastAuditSeq } from '../oauth/helpers.js';
import {
  admin,
  CREDENTIAL_CHANGE,
  POLL,
  PUSH,
  type Receiver,
  SESSION_REVOKED,
  startReceiver,
  stateOf,
} from './helpers.js';

describe('SSF stream configuration: PATCH and PUT', () => {
  let server: TestServer;
  let first: Receiver;
  let second: Receiver;
  let pushId: string;
  let pollId: string;

  const read = async (id: string) => {
    const res = await admin(server, 'GET', `/v1/ssf/streams?stream_id=${id}`);
    assert.equal(res.status, 200);
    return res.json;
  };
  const verify = async (id: string, state: string) =>
    assert.equal(
      (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: id, state })).status,
      204,
    );

  before(async () => {
    server = await startTestServer();
    first = await startReceiver();
    second = await startReceiver();
    const push = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: {
        method: PUSH,
        endpoint_url: first.url,
        authorization_header: 'Bearer first-secret',
      },
      events_requested: [SESSION_REVOKED],
      description: 'rp',
      aud: 'https://rp.example.org',
    });
    assert.equal(push.status, 201, JSON.stringify(push.json));
    pushId = push.json.stream_id as string;
    const poll = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED],
      description: 'siem',
    });
    pollId = poll.json.stream_id as string;
  });
  after(async () => {
    await server.stop();
    await first.close();
    await second.close();
  });

  it('PATCH changes only the members given, and answers the whole configuration', async () => {
    const before = await read(pollId);
    const patched = await admin(server, 'PATCH', '/v1/ssf/streams', {
      stream_id: pollId,
      events_requested: [SESSION_REVOKED, CREDENTIAL_CHANGE],
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.deepEqual(patched.json, {
      ...before,
      events_requested: [SESSION_REVOKED, CREDENTIAL_CHANGE],
      events_delivered: [SESSION_REVOKED, CREDENTIAL_CHANGE],
    });
    const described = await admin(server, 'PATCH', '/v1/ssf/streams', {
      stream_id: pollId,
      description: 'siem, v2',
    });
    assert.deepEqual(described.json, { ...patched.json, description: 'siem, v2' });
    assert.deepEqual(await read(pollId), described.json);
    // A configuration read, changed and sent back (transmitter-supplied members included) is accepted.
    const roundTrip = await admin(server, 'PATCH', '/v1/ssf/streams', {
      ...described.json,
      events_requested: [SESSION_REVOKED],
    });
    assert.equal(roundTrip.status, 200, JSON.stringify(roundTrip.json));
    assert.deepEqual(roundTrip.json.events_delivered, [SESSION_REVOKED]);
  });

  it("PATCH of a push endpoint sends the next SET there, without the old endpoint's credential", async () => {
    // Same endpoint, header left out (it is never read back): kept.
    assert.equal(
      (
        await admin(server, 'PATCH', '/v1/ssf/streams', {
          stream_id: pushId,
          delivery: { method: PUSH, endpoint_url: first.url },
        })
      ).status,
      200,
    );
    await verify(pushId, 'to first');
    const [atFirst] = await first.waitFor(1);
    assert.equal(stateOf(atFirst!.body), 'to first');
    assert.equal(atFirst!.authorization, 'Bearer first-secret');
    // Another endpoint: the credential for the first is never sent to it.
    const moved = await admin(server, 'PATCH', '/v1/ssf/streams', {
      stream_id: pushId,
      delivery: { method: PUSH, endpoint_url: second.url },
    });
    assert.deepEqual(moved.json.delivery, { method: PUSH, endpoint_url: second.url });
    assert.equal(moved.json.aud, 'https://rp.example.org', 'aud stays');
    await verify(pushId, 'to second');
    const [atSecond] = await second.waitFor(1);
    assert.equal(stateOf(atSecond!.body), 'to second');
    assert.equal(atSecond!.authorization, undefined);
    assert.equal(first.requests.length, 1);
    // And a new credential for it.
    await admin(server, 'PATCH', '/v1/ssf/streams', {
      stream_id: pushId,
      delivery: {
        method: PUSH,
        endpoint_url: second.url,
        authorization_header: 'Bearer second-secret',
      },
    });
    await verify(pushId, 'with credential');
    assert.equal((await second.waitFor(2))[1]!.authorization, 'Bearer second-secret');
  });

  it('PUT replaces the receiver-supplied members: one left out is reset to its default', async () => {
    const put = await admin(server, 'PUT', '/v1/ssf/streams', {
      stream_id: pushId,
      delivery: { method: PUSH, endpoint_url: second.url },
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.deepEqual(put.json.events_requested, []);
    assert.deepEqual(put.json.events_delivered, []);
    assert.equal(put.json.description, undefined);
    assert.equal(put.json.aud, new URL(second.url).origin, "aud back to the endpoint's origin");
    assert.deepEqual(await read(pushId), put.json);
    await verify(pushId, 'after put');
    assert.equal(
      (await second.waitFor(3))[2]!.authorization,
      undefined,
      'PUT without authorization_header removes it',
    );
    const full = await admin(server, 'PUT', '/v1/ssf/streams', {
      stream_id: pushId,
      delivery: { method: PUSH, endpoint_url: second.url },
      events_requested: [CREDENTIAL_CHANGE],
      description: 'back',
      aud: ['https://a.example.org', 'https://b.example.org'],
    });
    assert.deepEqual(
      [full.json.events_delivered, full.json.description, full.json.aud],
      [[CREDENTIAL_CHANGE], 'back', ['https://a.example.org', 'https://b.example.org']],
    );
  });

  it('PATCH and PUT refuse what they must, and a refused change changes nothing', async () => {
    const seq = await lastAuditSeq(server);
    const before = { push: await read(pushId), poll: await read(pollId) };
    const refused: [string, unknown, number][] = [
      ['PATCH', { stream_id: pollId, delivery: { method: PUSH, endpoint_url: second.url } }, 400],
      ['PUT', { stream_id: pushId, delivery: { method: POLL } }, 400],
      ['PUT', { stream_id: pushId, events_requested: [SESSION_REVOKED] }, 400],
      [
        'PATCH',
        {
          stream_id: pollId,
          delivery: { method: POLL, endpoint_url: 'https://elsewhere.example.org/poll' },
        },
        400,
      ],
      [
        'PATCH',
        { stream_id: pushId, delivery: { method: PUSH, endpoint_url: 'ftp://x.example.org/' } },
        400,
      ],
      [
        'PATCH',
        {
          stream_id: pushId,
          delivery: { method: PUSH, endpoint_url: 'https://user:pw@x.example.org/' },
        },
        400,
      ],
      ['PATCH', { stream_id: pollId, iss: 'https://not-mandate.example.org' }, 400],
      ['PATCH', { stream_id: pollId, events_supported: [SESSION_REVOKED] }, 400],
      [
        'PUT',
        {
          stream_id: pollId,
          delivery: { method: POLL },
          events_delivered: ['https://example.org/unknown'],
        },
        400,
      ],
      ['PATCH', { description: 'no stream_id' }, 400],
      ['PATCH', { stream_id: 'no-such-stream', description: 'x' }, 404],
      ['PUT', { stream_id: 'no-such-stream', delivery: { method: POLL } }, 404],
    ];
    for (const [method, body, status] of refused) {
      const res = await admin(server, method, '/v1/ssf/streams', body);
      assert.equal(
        res.status,
        status,
        `${method} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`,
      );
    }
    const anonymous = await fetch(`${server.url}/v1/ssf/streams`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream_id: pollId, description: 'anonymous' }),
    });
    assert.equal(anonymous.status, 401);
    assert.deepEqual({ push: await read(pushId), poll: await read(pollId) }, before);
    assert.deepEqual(
      (await auditEvents(server, seq)).filter((e) => String(e.action).startsWith('ssf.')),
      [],
      'nothing audited',
    );
  });

  it('each change is audited as ssf.stream.update, never with the authorization header', async () => {
    const seq = await lastAuditSeq(server);
    await admin(server, 'PATCH', '/v1/ssf/streams', {
      stream_id: pushId,
      delivery: {
        method: PUSH,
        endpoint_url: second.url,
        authorization_header: 'Bearer audited-never',
      },
    });
    const events = (await auditEvents(server, seq)).filter((e) => e.action === 'ssf.stream.update');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.target, `ssf_stream:${pushId}`);
    assert.ok(!JSON.stringify(events).includes('audited-never'));
  });
});
