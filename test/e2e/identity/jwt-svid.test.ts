// JWT-SVIDs (SPIFFE JWT-SVID spec) verified the way a relying party would: with jose only,
// against keys discovered over HTTP from the RFC 8414 metadata and the SPIFFE bundle endpoint.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
} from 'jose';
import { MandateError } from '../../../src/core/errors.js';
import { loadConfig } from '../../../src/server/config/load.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  assertProblem,
  attest,
  discover,
  getJson,
  issueJwtSvid,
  joinToken,
  registerAgent,
  removeDir,
  scratchDir,
  type SpiffeBundleBody,
} from './helpers.js';

// JWT-SVID spec §3: RS, ES or PS family only.
const SVID_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
const AUDIENCE = 'https://tools.example.org';

describe('jwt-svid', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await registerAgent(server, 'billing-bot');
  });
  after(() => server.stop());

  it('verifies with jose against the jwks advertised in the authorization server metadata', async () => {
    const token = await issueJwtSvid(server, 'billing-bot', AUDIENCE);
    const metadata = await discover(server.url);
    assert.equal(metadata.issuer, server.url);
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      audience: AUDIENCE,
      algorithms: SVID_ALGS,
    });

    assert.equal(payload.sub, `spiffe://${metadata.spiffe_trust_domain}/agent/billing-bot`);
    assert.equal(payload.sub, 'spiffe://mandate.local/agent/billing-bot');
    assert.ok(
      payload.aud === AUDIENCE || (Array.isArray(payload.aud) && payload.aud.includes(AUDIENCE)),
    );
    assert.equal(typeof payload.exp, 'number');
    assert.equal(typeof payload.iat, 'number');
    assert.equal(server.config.jwtSvidTtl, 300, 'the default ttl is 5 minutes');
    assert.ok(
      payload.exp! - payload.iat! <= server.config.jwtSvidTtl,
      `lifetime ${payload.exp! - payload.iat!}s exceeds the configured ttl`,
    );
    assert.ok(payload.exp! > payload.iat!);
    assert.equal(typeof payload.jti, 'string');
    assert.ok(payload.jti!.length > 0);

    assert.equal(typeof protectedHeader.kid, 'string');
    assert.equal(protectedHeader.typ, 'JWT');
    assert.ok(
      SVID_ALGS.includes(protectedHeader.alg),
      `alg ${protectedHeader.alg} is not allowed for a jwt-svid`,
    );
  });

  it('is rejected by jose for another audience', async () => {
    const token = await issueJwtSvid(server, 'billing-bot', AUDIENCE);
    const jwks = createRemoteJWKSet(new URL((await discover(server.url)).jwks_uri));
    await assert.rejects(
      jwtVerify(token, jwks, { audience: 'https://elsewhere.example.org', algorithms: SVID_ALGS }),
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' },
    );
  });

  it('carries every requested audience', async () => {
    const token = await issueJwtSvid(server, 'billing-bot', [
      AUDIENCE,
      'https://second.example.org',
    ]);
    const jwks = createRemoteJWKSet(new URL((await discover(server.url)).jwks_uri));
    const { payload } = await jwtVerify(token, jwks, {
      audience: 'https://second.example.org',
      algorithms: SVID_ALGS,
    });
    assert.deepEqual(payload.aud, [AUDIENCE, 'https://second.example.org']);
  });

  it('verifies against the spiffe bundle endpoint, whose keys follow the bundle spec', async () => {
    const token = await issueJwtSvid(server, 'billing-bot', AUDIENCE);
    const metadata = await discover(server.url);
    assert.ok(metadata.spiffe_bundle_endpoint, 'metadata has no spiffe_bundle_endpoint');
    const bundle = await getJson<SpiffeBundleBody>(metadata.spiffe_bundle_endpoint);

    assert.equal(typeof bundle.spiffe_sequence, 'number');
    assert.equal(typeof bundle.spiffe_refresh_hint, 'number');
    assert.ok(bundle.spiffe_refresh_hint > 0);
    const jwtKeys = bundle.keys.filter((k) => k.use === 'jwt-svid');
    const x509Keys = bundle.keys.filter((k) => k.use === 'x509-svid');
    assert.ok(jwtKeys.length >= 2, 'the active and the next jwt-svid key are published');
    assert.ok(x509Keys.length >= 1, 'the ca is published');
    assert.equal(
      jwtKeys.length + x509Keys.length,
      bundle.keys.length,
      'every key has use jwt-svid or x509-svid',
    );
    for (const k of jwtKeys) {
      assert.equal(typeof k.kid, 'string');
      assert.equal(k.d, undefined, 'no private key material');
    }
    for (const k of x509Keys) {
      assert.equal(k.kid, undefined, 'x509-svid keys carry no kid');
      assert.ok(
        Array.isArray(k.x5c) && k.x5c.length === 1,
        'x509-svid keys carry exactly one x5c certificate',
      );
      assert.equal(k.d, undefined, 'no private key material');
    }

    // A SPIFFE-aware verifier takes the jwt-svid keys of the bundle as its JWKS; `use` is the
    // bundle's own vocabulary, so it is dropped (jose only takes keys without `use` or `use: sig`).
    const local = createLocalJWKSet({
      keys: jwtKeys.map(({ use: _use, ...jwk }) => jwk),
    } as JSONWebKeySet);
    const kid = decodeProtectedHeader(token).kid;
    assert.ok(
      jwtKeys.some((k) => k.kid === kid),
      'the signing kid is in the bundle',
    );
    const { payload } = await jwtVerify(token, local, {
      audience: AUDIENCE,
      algorithms: SVID_ALGS,
    });
    assert.equal(payload.sub, 'spiffe://mandate.local/agent/billing-bot');
  });

  it('caps a requested ttl above the maximum', async () => {
    const capped = await startTestServer({ flags: { jwtSvidTtl: 60, jwtSvidMaxTtl: 120 } });
    try {
      await registerAgent(capped, 'capped-bot');
      const jwks = createRemoteJWKSet(new URL((await discover(capped.url)).jwks_uri));
      const byDefault = (
        await jwtVerify(await issueJwtSvid(capped, 'capped-bot', AUDIENCE), jwks, {
          audience: AUDIENCE,
          algorithms: SVID_ALGS,
        })
      ).payload;
      assert.ok(byDefault.exp! - byDefault.iat! <= 60, 'the configured default ttl applies');
      const asked = (
        await jwtVerify(await issueJwtSvid(capped, 'capped-bot', AUDIENCE, 86_400), jwks, {
          audience: AUDIENCE,
          algorithms: SVID_ALGS,
        })
      ).payload;
      assert.equal(asked.exp! - asked.iat!, 120, 'a ttl above the maximum is capped to it');
      const shorter = (
        await jwtVerify(await issueJwtSvid(capped, 'capped-bot', AUDIENCE, 30), jwks, {
          audience: AUDIENCE,
          algorithms: SVID_ALGS,
        })
      ).payload;
      assert.equal(shorter.exp! - shorter.iat!, 30, 'a shorter ttl is honoured');
    } finally {
      await capped.stop();
    }
  });

  it('rejects an attestation without an audience, and keeps the join token usable', async () => {
    const token = await joinToken(server, 'billing-bot');
    assertProblem(
      await attest(server, { join_token: token, jwt_svid: {} }),
      400,
      'invalid_request',
    );
    assertProblem(
      await attest(server, { join_token: token, jwt_svid: { audience: [] } }),
      400,
      'invalid_request',
    );
    assertProblem(
      await attest(server, { join_token: token, jwt_svid: { audience: '' } }),
      400,
      'invalid_request',
    );
    assertProblem(await attest(server, { join_token: token }), 400, 'invalid_request');
    const ok = await attest(server, { join_token: token, jwt_svid: { audience: AUDIENCE } });
    assert.equal(ok.status, 200, ok.text);
  });

  it('signs with every other algorithm the spec allows', async () => {
    for (const alg of ['ES384', 'RS256', 'PS256']) {
      const other = await startTestServer({ flags: { jwtSvidAlg: alg } });
      try {
        await registerAgent(other, 'alg-bot');
        const token = await issueJwtSvid(other, 'alg-bot', AUDIENCE);
        const jwks = createRemoteJWKSet(new URL((await discover(other.url)).jwks_uri));
        const { protectedHeader } = await jwtVerify(token, jwks, {
          audience: AUDIENCE,
          algorithms: SVID_ALGS,
        });
        assert.equal(protectedHeader.alg, alg);
      } finally {
        await other.stop();
      }
    }
  });

  it('refuses to start with EdDSA for jwt-svids', async () => {
    assert.throws(
      () =>
        loadConfig({ flags: { jwtSvidAlg: 'EdDSA', port: 0, dataDir: '/nonexistent' }, env: {} }),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'invalid_config' &&
        err.message.includes('jwtSvidAlg') &&
        err.details?.key === 'jwtSvidAlg',
    );
    const dataDir = scratchDir();
    try {
      await assert.rejects(startTestServer({ dataDir, flags: { jwtSvidAlg: 'EdDSA' } }), {
        code: 'invalid_config',
      });
    } finally {
      removeDir(dataDir);
    }
  });
});
