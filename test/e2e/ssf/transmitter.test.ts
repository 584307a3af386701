// Issue 7 item 4: Mandate as an SSF 1.0 transmitter. Streams are created through the management
// API; a task end and an agent suspension reach a push receiver (RFC 8935) on loopback and a poll
// stream (RFC 8936) as CAEP session-revoked SETs that verify with jose against the published JWKS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { registerAgent, startTask } from '../oauth/helpers.js';
import {
  admin,
  POLL,
  poll,
  PUSH,
  SESSION_REVOKED,
  startReceiver,
  VERIFICATION,
} from './helpers.js';

describe('SSF transmitter', () => {
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let pushId: string;
  let pollId: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };

  async function verified(jwt: string, aud: string): Promise<JWTPayload> {
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, {
      issuer: server.config.issuer,
      audience: aud,
      typ: 'secevent+jwt',
    });
    assert.equal(protectedHeader.typ, 'secevent+jwt');
    assert.equal(payload.sub, undefined, 'SSF: the subject is sub_id, never sub');
    assert.equal(payload.exp, undefined);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.iat, 'number');
    return payload;
  }

  before(async () => {
    server = await startTestServer();
    receiver = await startReceiver();
    jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    alpha.id = await registerAgent(server, 'alpha');
    beta.id = await registerAgent(server, 'beta');
  });
  after(async () => {
    await server.stop();
    await receiver.close();
  });

  it('publishes its transmitter metadata at /.well-known/ssf-configuration', async () => {
    const res = await fetch(`${server.url}/.well-known/ssf-configuration`);
    assert.equal(res.status, 200);
    const meta = (await res.json()) as Record<string, unknown>;
    assert.equal(meta.issuer, server.config.issuer);
    assert.equal(meta.spec_version, '1_0');
    assert.equal(meta.jwks_uri, `${server.url}/.well-known/jwks.json`);
    assert.deepEqual(meta.delivery_methods_supported, [PUSH, POLL]);
    assert.equal(meta.configuration_endpoint, `${server.url}/v1/ssf/streams`);
    assert.equal(meta.status_endpoint, `${server.url}/v1/ssf/status`);
    assert.equal(meta.verification_endpoint, `${server.url}/v1/ssf/verify`);
    assert.equal(meta.default_subjects, 'ALL');
  });

  it('creates streams through the management API (admin token only)', async () => {
    const anonymous = await fetch(`${server.url}/v1/ssf/streams`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ delivery: { method: POLL } }),
    });
    assert.equal(anonymous.status, 401);
    const push = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: {
        method: PUSH,
        endpoint_url: receiver.url,
        authorization_header: 'Bearer receiver-secret',
      },
      events_requested: [SESSION_REVOKED, 'https://example.org/unknown-event'],
      aud: 'https://rp.example.org',
    });
    assert.equal(push.status, 201, JSON.stringify(push.json));
    pushId = push.json.stream_id as string;
    assert.equal(push.json.iss, server.config.issuer);
    assert.equal(push.json.aud, 'https://rp.example.org');
    assert.deepEqual(
      push.json.events_delivered,
      [SESSION_REVOKED],
      'an unsupported event type is not delivered',
    );
    assert.deepEqual(
      push.json.delivery,
      { method: PUSH, endpoint_url: receiver.url },
      'the authorization header is never read back',
    );
    const polled = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED],
    });
    assert.equal(polled.status, 201, JSON.stringify(polled.json));
    pollId = polled.json.stream_id as string;
    assert.equal(
      (polled.json.delivery as Record<string, unknown>).endpoint_url,
      `${server.url}/v1/ssf/poll/${pollId}`,
    );
    assert.equal(polled.json.aud, `urn:mandate:ssf:stream:${pollId}`);
    const all = await admin(server, 'GET', '/v1/ssf/streams');
    assert.equal((all.json as unknown as unknown[]).length, 2);
    assert.equal(
      (await admin(server, 'GET', `/v1/ssf/status?stream_id=${pollId}`)).json.status,
      'enabled',
    );
    for (const bad of [
      { delivery: { method: 'urn:example:carrier-pigeon' } },
      { delivery: { method: PUSH } },
      { delivery: { method: PUSH, endpoint_url: 'ftp://x.example.org/' } },
      {},
    ]) {
      assert.equal(
        (await admin(server, 'POST', '/v1/ssf/streams', bad)).status,
        400,
        JSON.stringify(bad),
      );
    }
  });

  it('pushes and queues a task end and an agent suspension as session-revoked SETs that verify against the JWKS', async () => {
    const task = await startTask(server, alpha);
    assert.equal((await admin(server, 'POST', `/v1/tasks/${task.task_id}/end`)).status, 200);
    assert.equal((await admin(server, 'POST', '/v1/agents/beta/suspend')).status, 200);
    const pushed = await receiver.waitFor(2);
    for (const p of pushed) {
      assert.equal(p.contentType, 'application/secevent+jwt');
      assert.equal(p.authorization, 'Bearer receiver-secret');
    }
    const [ended, suspended] = await Promise.all(
      pushed.map((p) => verified(p.body, 'https://rp.example.org')),
    );
    assert.deepEqual(ended!.sub_id, { format: 'opaque', id: `task:${task.task_id}` });
    const endEvent = (ended!.events as Record<string, Record<string, unknown>>)[SESSION_REVOKED];
    assert.ok(endEvent, 'a session-revoked event');
    assert.equal(typeof endEvent.event_timestamp, 'number');
    assert.deepEqual(Object.keys(ended!.events as object), [SESSION_REVOKED], 'one event per SET');
    assert.deepEqual(suspended!.sub_id, { format: 'uri', uri: beta.id });
    assert.ok((suspended!.events as Record<string, unknown>)[SESSION_REVOKED]);
    assert.equal(typeof suspended!.txn, 'string');
    assert.ok(Number(suspended!.txn) > Number(ended!.txn), 'txn follows the revocation feed order');
    // Signed with the trust domain's token key.
    const kid = decodeProtectedHeader(pushed[0]!.body).kid;
    const published = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    assert.ok(published.keys.some((k) => k.kid === kid));

    // The poll stream holds the same two events, with its own audience; ack removes them.
    const first = await poll(server, pollId);
    const sets = Object.entries(first.sets);
    assert.equal(sets.length, 2);
    assert.equal(first.moreAvailable, false);
    const payloads = await Promise.all(
      sets.map(([, jwt]) => verified(jwt, `urn:mandate:ssf:stream:${pollId}`)),
    );
    assert.deepEqual(
      payloads.map((p) => p.sub_id),
      [ended!.sub_id, suspended!.sub_id],
    );
    assert.deepEqual(
      sets.map(([jti]) => jti),
      payloads.map((p) => p.jti),
      'the sets map is keyed by jti',
    );
    assert.deepEqual(
      (await poll(server, pollId)).sets,
      {},
      'handed out and not yet acknowledged: not sent again at once',
    );
    assert.deepEqual((await poll(server, pollId, { ack: sets.map(([jti]) => jti) })).sets, {});
    assert.equal((await admin(server, 'GET', `/v1/ssf/streams?stream_id=${pollId}`)).status, 200);
  });

  it("sends a verification event with the receiver's state, and honours paused and disabled", async () => {
    assert.equal(
      (await admin(server, 'POST', '/v1/ssf/verify', { stream_id: pollId, state: 'abc123' }))
        .status,
      204,
    );
    const v = await poll(server, pollId, { maxEvents: 10 });
    const [[jti, jwt]] = Object.entries(v.sets) as [[string, string]];
    const payload = await verified(jwt, `urn:mandate:ssf:stream:${pollId}`);
    assert.deepEqual(payload.events, { [VERIFICATION]: { state: 'abc123' } });
    assert.deepEqual(payload.sub_id, { format: 'opaque', id: pollId });
    await poll(server, pollId, { ack: [jti], maxEvents: 0 });

    // Paused: held, then delivered once enabled.
    assert.equal(
      (
        await admin(server, 'POST', '/v1/ssf/status', {
          stream_id: pollId,
          status: 'paused',
          reason: 'maintenance',
        })
      ).json.status,
      'paused',
    );
    const { queue, ...read } = (await admin(server, 'GET', `/v1/ssf/status?stream_id=${pollId}`))
      .json;
    assert.deepEqual(read, { stream_id: pollId, status: 'paused', reason: 'maintenance' });
    assert.deepEqual(queue, {
      queued: 0,
      max: 10_000,
      dropped_risk: 0,
      dropped_raises: 0,
      dropped_other: 0,
      coalesced: 0,
    });
    const held = await startTask(server, alpha);
    await admin(server, 'POST', `/v1/tasks/${held.task_id}/end`);
    assert.deepEqual((await poll(server, pollId)).sets, {}, 'a paused stream transmits nothing');
    await admin(server, 'POST', '/v1/ssf/status', { stream_id: pollId, status: 'enabled' });
    const released = Object.values((await poll(server, pollId)).sets);
    assert.equal(released.length, 1);
    assert.deepEqual((await verified(released[0]!, `urn:mandate:ssf:stream:${pollId}`)).sub_id, {
      format: 'opaque',
      id: `task:${held.task_id}`,
    });
    await poll(server, pollId, { ack: Object.keys((await poll(server, pollId)).sets) });

    // Disabled: dropped.
    await admin(server, 'POST', '/v1/ssf/status', { stream_id: pollId, status: 'disabled' });
    const dropped = await startTask(server, alpha);
    await admin(server, 'POST', `/v1/tasks/${dropped.task_id}/end`);
    await admin(server, 'POST', '/v1/ssf/status', { stream_id: pollId, status: 'enabled' });
    const after = Object.values((await poll(server, pollId)).sets);
    assert.ok(after.every((jwt) => JSON.stringify(jwt).length > 0));
    const subjects = await Promise.all(
      after.map(async (jwt) => (await verified(jwt, `urn:mandate:ssf:stream:${pollId}`)).sub_id),
    );
    assert.ok(
      !subjects.some((s) => JSON.stringify(s).includes(dropped.task_id)),
      'nothing sent while disabled',
    );
  });

  it('deletes a stream; polling it is then not found', async () => {
    assert.equal(
      (await admin(server, 'DELETE', `/v1/ssf/streams?stream_id=${pollId}`)).status,
      204,
    );
    assert.equal(
      (await admin(server, 'POST', `/v1/ssf/poll/${pollId}`, { returnImmediately: true })).status,
      404,
    );
    assert.equal(
      (await admin(server, 'DELETE', `/v1/ssf/streams?stream_id=${pollId}`)).status,
      404,
    );
    assert.equal(
      (await admin(server, 'GET', `/v1/ssf/status?stream_id=${pushId}`)).json.status,
      'enabled',
      'the other stream is untouched',
    );
  });
});
