// A signing key revoked through POST /v1/keys/:kid/revoke is told as a CAEP credential-change
// (credential type urn:mandate:credential-type:signing-key, change revoke, friendly_name the kid,
// subject the trust domain). The revoked key leaves the JWKS at once, so the SET is signed with
// the trust domain's current token key and verifies against /.well-known/jwks.json.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminOk } from '../oauth/helpers.js';
import { admin, CREDENTIAL_CHANGE, POLL, poll } from './helpers.js';

describe('SSF credential-change for a revoked signing key', () => {
  let server: TestServer;
  let streamId: string;

  before(async () => {
    server = await startTestServer();
    const stream = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [CREDENTIAL_CHANGE],
    });
    assert.equal(stream.status, 201, JSON.stringify(stream.json));
    streamId = stream.json.stream_id as string;
  });
  after(() => server.stop());

  it('revoking the active token key sends a credential-change signed by the key that replaced it', async () => {
    const { keys } = await adminOk<{ keys: { kid: string; purpose: string; state: string }[] }>(
      server,
      'GET',
      '/v1/keys',
    );
    const revoked = keys.find((k) => k.purpose === 'token' && k.state === 'active')!.kid;
    const res = await adminOk<{ kid: string; published: boolean }>(
      server,
      'POST',
      `/v1/keys/${encodeURIComponent(revoked)}/revoke`,
    );
    assert.deepEqual([res.kid, res.published], [revoked, false]);

    // The SET is signed and queued in the background, right after the revocation commits.
    let sets: Record<string, string> = {};
    for (let i = 0; i < 50 && Object.keys(sets).length === 0; i++) {
      sets = (await poll(server, streamId)).sets;
      if (Object.keys(sets).length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    const [[jti, set]] = Object.entries(sets) as [[string, string]];

    const published = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    assert.ok(!published.keys.some((k) => k.kid === revoked), 'the revoked key has left the JWKS');
    const { kid } = decodeProtectedHeader(set);
    assert.notEqual(kid, revoked);
    const { keys: after } = await adminOk<{
      keys: { kid: string; purpose: string; state: string }[];
    }>(server, 'GET', '/v1/keys');
    assert.equal(after.find((k) => k.kid === kid)?.purpose, 'token');
    assert.equal(
      after.find((k) => k.kid === kid)?.state,
      'active',
      "signed with the trust domain's current token key",
    );

    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(set, jwks, {
      issuer: server.config.issuer,
      audience: `urn:mandate:ssf:stream:${streamId}`,
      typ: 'secevent+jwt',
    });
    assert.equal(protectedHeader.typ, 'secevent+jwt');
    assert.equal(payload.jti, jti);
    assert.equal(typeof payload.txn, 'string', 'a revocation: txn is its revocation feed seq');
    assert.deepEqual(payload.sub_id, {
      format: 'uri',
      uri: `spiffe://${server.config.trustDomain}`,
    });
    assert.deepEqual(Object.keys(payload.events as object), [CREDENTIAL_CHANGE]);
    const event = (payload.events as Record<string, Record<string, unknown>>)[CREDENTIAL_CHANGE]!;
    assert.equal(event.credential_type, 'urn:mandate:credential-type:signing-key');
    assert.equal(event.change_type, 'revoke');
    assert.equal(event.friendly_name, revoked);
    assert.equal(event.initiating_entity, 'admin');
    assert.equal(typeof event.event_timestamp, 'number');
    await poll(server, streamId, { ack: [jti], maxEvents: 0 });
  });
});
