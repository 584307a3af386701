// Least privilege for receivers: creating a stream answers, once, a receiver token for that stream
// alone. It polls, reads the status and configuration of, and asks for verification on that
// stream; it is refused (and changes nothing) on another stream, on every admin route, and when
// wrong or malformed; it is kept only as its SHA-256, so it still works after a restart and the
// hash itself is no credential. The admin token keeps full access.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { auditEvents, lastAuditSeq } from '../oauth/helpers.js';
import { admin, POLL, poll, stateOf } from './helpers.js';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function call(
  server: TestServer,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  scheme = 'Bearer',
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `${scheme} ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('SSF receiver tokens', () => {
  // Moved by hand to see that a SET handed out and not acknowledged comes back (after 30 s).
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let dataDir: string;
  const a = { id: '', token: '' };
  const b = { id: '', token: '' };

  const create = async (stream: { id: string; token: string }, description: string) => {
    const res = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      description,
    });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    stream.id = res.json.stream_id as string;
    stream.token = res.json.receiver_token as string;
  };

  before(async () => {
    server = await startTestServer({ clock });
    dataDir = server.dataDir;
    await create(a, 'stream a');
    await create(b, 'stream b');
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is answered once, at creation: 256 random bits, never read back nor audited', async () => {
    assert.match(a.token, /^mssf_[A-Za-z0-9_-]{43}$/, 'mssf_ and 32 random bytes, base64url');
    assert.notEqual(a.token, b.token);
    const reads = [
      await admin(server, 'GET', `/v1/ssf/streams?stream_id=${a.id}`),
      await admin(server, 'GET', '/v1/ssf/streams'),
      await admin(server, 'POST', '/v1/ssf/status', { stream_id: a.id, status: 'enabled' }),
      await admin(server, 'PATCH', '/v1/ssf/streams', { stream_id: a.id, description: 'stream a' }),
    ];
    for (const r of reads)
      assert.ok(!JSON.stringify(r.json).includes(a.token.slice(5)), 'never shown again');
    const audit = JSON.stringify(await auditEvents(server));
    const hash = createHash('sha256').update(a.token).digest('hex');
    assert.ok(
      !audit.includes(a.token.slice(5)) && !audit.includes(hash),
      'neither the token nor its hash is audited',
    );
  });

  it("authorizes its own stream's poll, status read, configuration read and verification", async () => {
    const verify = await call(server, a.token, 'POST', '/v1/ssf/verify', {
      stream_id: a.id,
      state: 'from the receiver',
    });
    assert.equal(verify.status, 204, JSON.stringify(verify.json));
    const polled = await call(server, a.token, 'POST', `/v1/ssf/poll/${a.id}`, {
      returnImmediately: true,
    });
    assert.equal(polled.status, 200);
    const sets = polled.json.sets as Record<string, string>;
    assert.deepEqual(Object.values(sets).map(stateOf), ['from the receiver']);
    assert.deepEqual(
      (
        await call(server, a.token, 'POST', `/v1/ssf/poll/${a.id}`, {
          ack: Object.keys(sets),
          maxEvents: 0,
        })
      ).json,
      { sets: {}, moreAvailable: false },
    );
    const { queue, ...status } = (
      await call(server, a.token, 'GET', `/v1/ssf/status?stream_id=${a.id}`)
    ).json;
    assert.deepEqual(status, { stream_id: a.id, status: 'enabled' });
    assert.equal(typeof (queue as Record<string, unknown>).queued, 'number');
    const config = await call(server, a.token, 'GET', `/v1/ssf/streams?stream_id=${a.id}`);
    assert.equal(config.status, 200);
    assert.equal(config.json.description, 'stream a');
    assert.equal(config.json.receiver_token, undefined);
    // Audited as the stream's receiver, not as the admin.
    const verified = (await auditEvents(server)).filter((e) => e.action === 'ssf.stream.verify');
    assert.equal(verified.at(-1)?.actor, `ssf_receiver:${a.id}`);
  });

  it("another stream's token is refused on every receiver route, and changes nothing", async () => {
    await admin(server, 'POST', '/v1/ssf/verify', { stream_id: b.id, state: 'for b' });
    const seq = await lastAuditSeq(server);
    // b's receiver (here the admin) has it handed out, not yet acknowledged.
    const jtiOfB = Object.keys((await poll(server, b.id)).sets);
    assert.equal(jtiOfB.length, 1);
    const attempts: [string, string, unknown?][] = [
      ['POST', `/v1/ssf/poll/${b.id}`, { returnImmediately: true }],
      ['POST', `/v1/ssf/poll/${b.id}`, { returnImmediately: true, ack: jtiOfB, maxEvents: 0 }],
      ['GET', `/v1/ssf/status?stream_id=${b.id}`],
      ['GET', `/v1/ssf/streams?stream_id=${b.id}`],
      ['POST', '/v1/ssf/verify', { stream_id: b.id, state: 'from a' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(server, a.token, method, path, body);
      assert.equal(res.status, 401, `${method} ${path}: ${JSON.stringify(res.json)}`);
      assert.equal(
        res.json.detail,
        "the bearer token is neither the admin token nor this stream's receiver token",
      );
    }
    // a's token acknowledged nothing and queued no verification: b's SET alone comes back when due again.
    clock.advance(30_000);
    const still = await poll(server, b.id);
    assert.deepEqual(Object.values(still.sets).map(stateOf), ['for b']);
    assert.deepEqual(
      (await auditEvents(server, seq)).filter((e) => String(e.action).startsWith('ssf.')),
      [],
    );
    // An unknown stream answers the same as another's: no way to learn which streams exist.
    assert.equal(
      (await call(server, a.token, 'GET', '/v1/ssf/status?stream_id=no-such-stream')).status,
      401,
    );
    assert.equal(
      (await admin(server, 'GET', '/v1/ssf/status?stream_id=no-such-stream')).status,
      404,
    );
  });

  it("is refused on the admin routes, its own stream's included", async () => {
    const before = await admin(server, 'GET', `/v1/ssf/streams?stream_id=${a.id}`);
    const adminRoutes: [string, string, unknown?][] = [
      ['GET', '/v1/ssf/streams'],
      ['POST', '/v1/ssf/streams', { delivery: { method: POLL } }],
      ['PATCH', '/v1/ssf/streams', { stream_id: a.id, description: 'changed by the receiver' }],
      ['PUT', '/v1/ssf/streams', { stream_id: a.id, delivery: { method: POLL } }],
      ['DELETE', `/v1/ssf/streams?stream_id=${a.id}`],
      ['POST', '/v1/ssf/status', { stream_id: a.id, status: 'disabled' }],
      ['GET', '/v1/agents'],
      ['GET', '/v1/keys'],
      ['GET', '/v1/audit/events'],
    ];
    for (const [method, path, body] of adminRoutes) {
      const res = await call(server, a.token, method, path, body);
      assert.equal(res.status, 401, `${method} ${path}: ${JSON.stringify(res.json)}`);
    }
    assert.deepEqual(
      await admin(server, 'GET', `/v1/ssf/streams?stream_id=${a.id}`),
      before,
      'the stream is unchanged',
    );
    assert.equal(
      (await admin(server, 'GET', `/v1/ssf/status?stream_id=${a.id}`)).json.status,
      'enabled',
    );
    assert.equal(
      (await admin(server, 'GET', '/v1/ssf/streams')).json.length,
      2,
      'no stream created or deleted',
    );
  });

  it('a wrong or malformed token is refused', async () => {
    const hash = createHash('sha256').update(a.token).digest('hex');
    const wrong: [string | null, string?][] = [
      [null],
      ['', 'Bearer'],
      [`${a.token}x`],
      [a.token.slice(0, -1)],
      [a.token.toUpperCase()],
      [`mssf_${'A'.repeat(43)}`],
      [hash],
      [a.token, 'Basic'],
      [`${a.token} ${a.token}`],
    ];
    for (const [token, scheme] of wrong) {
      const res = await call(
        server,
        token,
        'POST',
        `/v1/ssf/poll/${a.id}`,
        { returnImmediately: true },
        scheme,
      );
      assert.equal(
        res.status,
        401,
        `${scheme ?? 'Bearer'} ${String(token)}: ${JSON.stringify(res.json)}`,
      );
    }
    // The token is checked before the input: a caller without one learns nothing from validation.
    assert.equal(
      (await call(server, b.token, 'POST', `/v1/ssf/poll/${a.id}`, { maxEvents: 'many' })).status,
      401,
    );
    assert.equal(
      (await call(server, b.token, 'POST', '/v1/ssf/verify', { stream_id: a.id, state: 42 }))
        .status,
      401,
    );
    assert.equal(
      (await call(server, b.token, 'GET', `/v1/ssf/status?stream_id=${a.id}&extra=1`)).status,
      401,
    );
    assert.equal(
      (await call(server, a.token, 'POST', `/v1/ssf/poll/${a.id}`, { maxEvents: 'many' })).status,
      400,
      'its own token gets the validation error',
    );
  });

  it('is described in /openapi.json as the security of exactly the four receiver routes', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security: Record<string, string[]>[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    const withReceiver = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security.some((s) => 'ssfReceiverToken' in s))
        .map(([method]) => `${method} ${path}`),
    );
    assert.deepEqual(withReceiver.sort(), [
      'get /v1/ssf/status',
      'get /v1/ssf/streams',
      'post /v1/ssf/poll/{id}',
      'post /v1/ssf/verify',
    ]);
    assert.ok(doc.components.securitySchemes.ssfReceiverToken);
  });

  it('the admin token keeps full access to every stream', async () => {
    assert.equal((await admin(server, 'GET', `/v1/ssf/status?stream_id=${a.id}`)).status, 200);
    assert.equal(
      (await admin(server, 'POST', `/v1/ssf/poll/${b.id}`, { returnImmediately: true })).status,
      200,
    );
    assert.equal((await admin(server, 'POST', '/v1/ssf/verify', { stream_id: a.id })).status, 204);
  });

  it('still works after a restart: only its hash was kept', async () => {
    const port = new URL(server.url).port;
    await server.stop({ keepData: true });
    server = await startTestServer({ clock, dataDir, flags: { port: Number(port) } });
    const polled = await call(server, a.token, 'POST', `/v1/ssf/poll/${a.id}`, {
      returnImmediately: true,
    });
    assert.equal(polled.status, 200, JSON.stringify(polled.json));
    assert.equal(
      (await call(server, a.token, 'GET', `/v1/ssf/status?stream_id=${a.id}`)).status,
      200,
    );
    assert.equal(
      (await call(server, b.token, 'GET', `/v1/ssf/status?stream_id=${a.id}`)).status,
      401,
      'and still for its own stream only',
    );
  });
});
