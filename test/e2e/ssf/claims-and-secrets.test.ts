// Issue 7 item 4: changes that are not revocations reach the SSF streams too. A grant narrowed is
// told as CAEP token-claims-change (its new `scope` and `exp`); a broker secret created, rotated,
// disabled, enabled and deleted as credential-change (never its value). A refused change tells
// nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminOk, registerAgent } from '../oauth/helpers.js';
import { admin, CREDENTIAL_CHANGE, POLL, pollVerified } from './helpers.js';

const TOKEN_CLAIMS_CHANGE =
  'https://schemas.openid.net/secevent/caep/event-type/token-claims-change';
const SECRET_VALUE = 'sk_live_never_in_a_set_0123456789';

describe('SSF token-claims-change and credential-change for broker secrets', () => {
  let server: TestServer;
  let streamId: string;

  const next = (expected: number): Promise<JWTPayload[]> =>
    pollVerified(server, streamId, expected);

  before(async () => {
    server = await startTestServer();
    const stream = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [TOKEN_CLAIMS_CHANGE, CREDENTIAL_CHANGE],
    });
    assert.equal(stream.status, 201, JSON.stringify(stream.json));
    streamId = stream.json.stream_id as string;
    await registerAgent(server, 'alpha');
  });
  after(() => server.stop());

  it('a narrowed grant is told with the scope and expiry its tokens now carry at most', async () => {
    const grant = await adminOk<{ id: string }>(server, 'POST', '/v1/grants', {
      human: 'alice@example.org',
      agent: 'alpha',
      scopes: ['tool:search', 'tool:fetch'],
      purpose: 'triage',
      ttl: 600,
    });
    assert.equal(
      (
        await admin(server, 'POST', `/v1/grants/${grant.id}/narrow`, {
          scopes: ['tool:search', 'tool:mail'],
        })
      ).status,
      400,
      'a wider scope is refused',
    );
    const narrowed = await admin(server, 'POST', `/v1/grants/${grant.id}/narrow`, {
      scopes: ['tool:search'],
      ttl: 60,
    });
    assert.equal(narrowed.status, 200, JSON.stringify(narrowed.json));
    const [payload, ...more] = await next(1);
    assert.equal(more.length, 0, 'the refused narrowing told nothing');
    assert.deepEqual(payload!.sub_id, { format: 'opaque', id: `grant:${grant.id}` });
    const event = (payload!.events as Record<string, Record<string, unknown>>)[
      TOKEN_CLAIMS_CHANGE
    ]!;
    const expiresAt = Date.parse((narrowed.json.grant as { expires_at: string }).expires_at);
    assert.deepEqual(event.claims, { scope: 'tool:search', exp: Math.floor(expiresAt / 1000) });
    assert.equal(event.initiating_entity, 'user');
    assert.equal(typeof event.event_timestamp, 'number');
  });

  it('each change to a broker secret is told as credential-change, naming the secret and never its value', async () => {
    const put = (value: string) =>
      admin(server, 'PUT', '/v1/secrets/stripe', { value, type: 'api_key' });
    assert.equal((await put(SECRET_VALUE)).status, 201);
    assert.equal((await put(`${SECRET_VALUE}-v2`)).status, 200);
    assert.equal((await admin(server, 'POST', '/v1/secrets/stripe/disable')).status, 200);
    assert.equal(
      (await admin(server, 'POST', '/v1/secrets/stripe/disable')).status,
      200,
      'disabling it again changes nothing',
    );
    assert.equal((await admin(server, 'POST', '/v1/secrets/stripe/enable')).status, 200);
    assert.equal((await admin(server, 'DELETE', '/v1/secrets/stripe')).status, 204);
    const sets = await next(5);
    const events = sets.map((p) => {
      assert.deepEqual(p.sub_id, { format: 'opaque', id: 'secret:stripe' });
      assert.equal(JSON.stringify(p).includes(SECRET_VALUE), false, 'the value never travels');
      return (p.events as Record<string, Record<string, unknown>>)[CREDENTIAL_CHANGE]!;
    });
    // Queued in the order the changes committed.
    assert.deepEqual(
      events.map((e) => `${e.change_type} ${e.friendly_name}`),
      [
        'create stripe v1',
        'update stripe v2',
        'revoke stripe v2',
        'update stripe v2',
        'delete stripe v2',
      ],
    );
    for (const e of events) {
      assert.equal(e.credential_type, 'urn:mandate:credential-type:broker-secret');
      assert.equal(e.initiating_entity, 'admin');
    }
  });
});
