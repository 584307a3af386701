// Key rotation as a relying party sees it: the next key is published before it signs, tokens
// of the previous key keep verifying until they expire, and only then does that key leave the
// JWKS and the SPIFFE bundle (with a new `spiffe_sequence`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  admin,
  discover,
  getJson,
  issueJwtSvid,
  jwksKids,
  registerAgent,
  type ServerMetadata,
  type SpiffeBundleBody,
} from './helpers.js';

const AUDIENCE = 'https://tools.example.org';
const SVID_ALGS = ['ES256', 'ES384', 'RS256', 'PS256'];

interface KeyRow {
  kid: string;
  purpose: 'jwt-svid' | 'token';
  state: 'next' | 'active' | 'retired';
  published: boolean;
}

async function keys(server: TestServer): Promise<KeyRow[]> {
  return (await admin<{ keys: KeyRow[] }>(server, 'GET', '/v1/keys')).keys;
}

function svidKey(rows: KeyRow[], state: KeyRow['state']): KeyRow[] {
  return rows.filter((k) => k.purpose === 'jwt-svid' && k.state === state);
}

/** Verifies with a key set built now, so that nothing is served from an earlier fetch. */
function verifyFresh(token: string, jwksUri: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), {
    audience: AUDIENCE,
    algorithms: SVID_ALGS,
  });
}

describe('key rotation', () => {
  // The clock starts at the real time, so the real-time verifier (jose) accepts fresh tokens.
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let metadata: ServerMetadata;

  before(async () => {
    server = await startTestServer({ clock });
    metadata = await discover(server.url);
    await registerAgent(server, 'rotating-bot');
  });
  after(() => server.stop());

  it('publishes the next key before it signs, keeps the old one until its tokens expire, then drops it', async () => {
    const initial = await keys(server);
    const [active] = svidKey(initial, 'active');
    const [next] = svidKey(initial, 'next');
    assert.ok(active && next, 'an active and a next jwt-svid key exist from the start');
    assert.equal(svidKey(initial, 'next').length, 1);

    // The next key is published before it has signed anything.
    assert.ok((await jwksKids(metadata.jwks_uri)).includes(next.kid), 'next kid is in the jwks');
    const bundleBefore = await getJson<SpiffeBundleBody>(metadata.spiffe_bundle_endpoint);
    assert.ok(
      bundleBefore.keys.some((k) => k.use === 'jwt-svid' && k.kid === next.kid),
      'next kid is in the bundle',
    );

    const tokenA = await issueJwtSvid(server, 'rotating-bot', AUDIENCE);
    assert.equal(
      decodeProtectedHeader(tokenA).kid,
      active.kid,
      'token A is signed by the active key',
    );
    assert.notEqual(decodeProtectedHeader(tokenA).kid, next.kid);
    const expA = (await verifyFresh(tokenA, metadata.jwks_uri)).payload.exp!;

    const rotated = await admin<{
      rotated: { purpose: string; activated: string; retired: string | null; next: string }[];
    }>(server, 'POST', '/v1/keys/rotate', {});
    const svidRotation = rotated.rotated.find((r) => r.purpose === 'jwt-svid');
    assert.ok(svidRotation);
    assert.equal(svidRotation.activated, next.kid, 'the published next key is the one promoted');
    assert.equal(svidRotation.retired, active.kid);

    // Token B is signed with the former next key.
    const tokenB = await issueJwtSvid(server, 'rotating-bot', AUDIENCE);
    assert.equal(decodeProtectedHeader(tokenB).kid, next.kid);
    assert.equal(
      (await verifyFresh(tokenB, metadata.jwks_uri)).payload.sub,
      'spiffe://mandate.local/agent/rotating-bot',
    );

    // Token A still verifies against a freshly fetched JWKS: the retired key is still published.
    assert.equal(
      (await verifyFresh(tokenA, metadata.jwks_uri)).payload.sub,
      'spiffe://mandate.local/agent/rotating-bot',
    );
    const kidsAfterRotation = await jwksKids(metadata.jwks_uri);
    assert.ok(kidsAfterRotation.includes(active.kid), 'retired key still in the jwks');
    assert.ok(
      kidsAfterRotation.includes(svidRotation.next),
      'the new next key is already in the jwks',
    );
    const afterRotation = await keys(server);
    assert.deepEqual(
      svidKey(afterRotation, 'retired').map((k) => [k.kid, k.published]),
      [[active.kid, true]],
    );
    const bundleRotated = await getJson<SpiffeBundleBody>(metadata.spiffe_bundle_endpoint);
    assert.ok(
      bundleRotated.spiffe_sequence > bundleBefore.spiffe_sequence,
      'the rotation changed the bundle',
    );
    assert.ok(
      bundleRotated.keys.some((k) => k.use === 'jwt-svid' && k.kid === active.kid),
      'retired key still in the bundle',
    );

    // Past token A's expiry and the longest lifetime a jwt-svid may have, the retired key goes.
    const maxTtl = server.config.jwtSvidMaxTtl;
    clock.set(Math.max(clock.now(), expA * 1000) + (maxTtl + 1) * 1000);
    const kidsLater = await jwksKids(metadata.jwks_uri);
    assert.ok(!kidsLater.includes(active.kid), 'retired key left the jwks');
    assert.ok(kidsLater.includes(next.kid), 'the active key stays');
    assert.ok(kidsLater.includes(svidRotation.next), 'the next key stays');
    const bundleLater = await getJson<SpiffeBundleBody>(metadata.spiffe_bundle_endpoint);
    assert.ok(!bundleLater.keys.some((k) => k.kid === active.kid), 'retired key left the bundle');
    assert.ok(
      bundleLater.spiffe_sequence > bundleRotated.spiffe_sequence,
      'spiffe_sequence increased',
    );
    const later = await keys(server);
    assert.deepEqual(
      svidKey(later, 'retired').map((k) => [k.kid, k.published]),
      [[active.kid, false]],
    );
  });

  it('keeps a bundle sequence that does not move while nothing changes', async () => {
    const a = await getJson<SpiffeBundleBody>(metadata.spiffe_bundle_endpoint);
    const b = await getJson<SpiffeBundleBody>(metadata.spiffe_bundle_endpoint);
    assert.equal(a.spiffe_sequence, b.spiffe_sequence);
  });

  it('rotates only the purpose asked for', async () => {
    const before = await keys(server);
    const rotated = await admin<{ rotated: { purpose: string }[] }>(
      server,
      'POST',
      '/v1/keys/rotate',
      { purpose: 'token' },
    );
    assert.deepEqual(
      rotated.rotated.map((r) => r.purpose),
      ['token'],
    );
    const after = await keys(server);
    assert.deepEqual(
      svidKey(after, 'active'),
      svidKey(before, 'active'),
      'the jwt-svid key did not move',
    );
  });
});
