// Federation between real servers on loopback: A (a.example) trusts B (b.example) through B's
// SPIFFE bundle endpoint, accepts B's JWT-SVIDs as delegates only under a cross-domain trust
// rule, refuses a trust domain it does not federate (C), never checks one domain's SVIDs with
// another domain's keys, refreshes bundles at their refresh hint without going backwards, and
// validates static bundles.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addRule,
  admin,
  assertOAuthError,
  assertProblem,
  BundleEndpoint,
  clientAuth,
  decodePayload,
  delegate,
  federate,
  federatedDomains,
  forgeKey,
  forgeSvid,
  JWT_TYPE,
  registerToolAgent,
  request,
  RESOURCE,
  startTask,
  svid,
  tokenRequest,
  TOKEN_EXCHANGE,
} from './helpers.js';

const B_AGENT = 'spiffe://b.example/agent/*';

describe('federation of trust domains', () => {
  // A's clock follows real time (reset before each test) so that B's real-time SVIDs verify at
  // A; the refresh test moves it past B's refresh hint.
  const clockA = new ManualClock(Date.now());
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  let endpoint: BundleEndpoint;
  let a1: string;
  let b1: string;
  let bundleUrl: string;

  before(async () => {
    [a, b, c] = await Promise.all([
      startTestServer({ flags: { trustDomain: 'a.example' }, clock: clockA }),
      startTestServer({ flags: { trustDomain: 'b.example' } }),
      startTestServer({ flags: { trustDomain: 'c.example' } }),
    ]);
    endpoint = await BundleEndpoint.start();
    a1 = await registerToolAgent(a, 'a1');
    await registerToolAgent(a, 'a2');
    b1 = await registerToolAgent(b, 'b1');
    await registerToolAgent(c, 'c1');
    bundleUrl = `${b.url}/.well-known/spiffe-bundle`;
  });
  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop(), c?.stop(), endpoint?.close()]);
  });
  beforeEach(() => clockA.set(Date.now()));

  it('federates B through its SPIFFE bundle endpoint and lists it with its key count and sequence', async () => {
    const published = await admin<{ keys: { use: string }[]; spiffe_sequence: number }>(
      b,
      'GET',
      '/.well-known/spiffe-bundle',
    );
    assert.ok(published.keys.some((k) => k.use === 'jwt-svid'));
    const put = await federate(a, { trust_domain: 'b.example', bundle_endpoint: bundleUrl });
    assert.deepEqual(
      [put.trust_domain, put.bundle_endpoint, put.keys, put.spiffe_sequence],
      ['b.example', bundleUrl, published.keys.length, published.spiffe_sequence],
    );
    const listed = (await federatedDomains(a)).find((d) => d.trust_domain === 'b.example');
    assert.ok(listed, 'b.example is listed');
    assert.deepEqual(
      [listed.bundle_endpoint, listed.keys, listed.spiffe_sequence],
      [bundleUrl, published.keys.length, published.spiffe_sequence],
    );

    const self = await request(a.url, 'POST', '/v1/federation', {
      token: a.adminToken,
      json: { trust_domain: 'a.example', bundle_endpoint: bundleUrl },
    });
    assert.match(assertProblem(self, 400, 'invalid_request').detail, /cannot federate with itself/);
  });

  it("lets b1 of b.example act in a1's task only under a trust rule with cross_domain: true", async () => {
    const parent = await startTask(a, 'a1', 'tool:github/read tool:github/write');
    // b1's SVID for A's issuer that names a1, the delegator (a1 asks as the parent's holder).
    const actor = await svid(b, 'b1', [a.config.issuer, a1]);

    const sameDomainOnly = await addRule(a, { from: a1, to: B_AGENT });
    const refused = await delegate(a, 'a1', parent, actor, 'tool:github/read');
    assertOAuthError(
      refused,
      400,
      'invalid_request',
      new RegExp(`trust rule \`${sameDomainOnly}\` does not allow delegation across trust domains`),
    );
    await admin(a, 'DELETE', `/v1/trust-rules/${sameDomainOnly}`);

    await addRule(a, { from: a1, to: B_AGENT, cross_domain: true });
    const ok = await delegate(a, 'a1', parent, actor, 'tool:github/read');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const child = await jwtVerify(
      ok.body.access_token!,
      createRemoteJWKSet(new URL(`${a.url}/.well-known/jwks.json`)),
      {
        issuer: a.config.issuer,
        audience: RESOURCE,
        typ: 'at+jwt',
        currentDate: new Date(clockA.now()),
      },
    );
    assert.equal(child.payload.sub, a1, "the child keeps the parent's subject");
    assert.deepEqual(child.payload.act, { sub: b1 }, 'b1 is the current actor');
    assert.equal(child.payload.scope, 'tool:github/read');
    assert.equal(child.payload.depth, 1);
  });

  it('refuses JWT-SVIDs from a trust domain A does not federate, as actor_token and as client assertion', async () => {
    // A rule that would allow c.example: only the missing federation can refuse.
    await addRule(a, { from: a1, to: 'spiffe://c.example/agent/*', cross_domain: true });
    const parent = await startTask(a, 'a1', 'tool:github/read');
    const asActor = await delegate(a, 'a1', parent, await svid(c, 'c1', [a.config.issuer, a1]));
    assertOAuthError(
      asActor,
      400,
      'invalid_request',
      /actor_token comes from trust domain `c\.example`, which is not trusted/,
    );

    const asClient = await tokenRequest(a, {
      grant_type: TOKEN_EXCHANGE,
      ...clientAuth(await svid(c, 'c1', a.config.issuer)),
      subject_token: await svid(c, 'c1', a.config.issuer),
      subject_token_type: JWT_TYPE,
      resource: RESOURCE,
    });
    assertOAuthError(
      asClient,
      401,
      'invalid_client',
      /client assertion comes from trust domain `c\.example`, which is not trusted/,
    );
  });

  it("never checks one trust domain's SVIDs with another domain's keys", async () => {
    const aud = a.config.issuer;
    // Actor tokens name a1, the delegator, besides A's issuer; client assertions only the issuer.
    const actorAud = [aud, a1];
    const jwtSvidKid = async (server: TestServer) =>
      (
        await admin<{ keys: { kid: string; purpose: string; state: string }[] }>(
          server,
          'GET',
          '/v1/keys',
        )
      ).keys.find((k) => k.purpose === 'jwt-svid' && k.state === 'active')!.kid;
    // d.example's static bundle: a key of its own, and two keys that reuse A's and B's kids.
    const dKey = await forgeKey('d-key');
    const likeA = await forgeKey(await jwtSvidKid(a));
    const likeB = await forgeKey(await jwtSvidKid(b));
    await federate(a, {
      trust_domain: 'd.example',
      bundle: { keys: [dKey.bundleJwk, likeA.bundleJwk, likeB.bundleJwk] },
    });
    await addRule(a, { from: a1, to: 'spiffe://d.example/agent/*', cross_domain: true });
    await addRule(a, { from: a1, to: 'spiffe://a.example/agent/a2' });
    await addRule(a, { from: a1, to: B_AGENT, cross_domain: true });
    const parent = await startTask(a, 'a1', 'tool:github/read');

    const accepted = await delegate(
      a,
      'a1',
      parent,
      await forgeSvid(dKey, 'spiffe://d.example/agent/x', actorAud),
    );
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.deepEqual(decodePayload(accepted.body.access_token!).act, {
      sub: 'spiffe://d.example/agent/x',
    });

    // The same key, claiming another trust domain: checked with that domain's keys only.
    const asB = await delegate(
      a,
      'a1',
      parent,
      await forgeSvid(dKey, 'spiffe://b.example/agent/x', actorAud),
    );
    assertOAuthError(
      asB,
      400,
      'invalid_request',
      /signed with a key `d-key` that trust domain `b\.example` does not publish/,
    );
    const asA = await delegate(
      a,
      'a1',
      parent,
      await forgeSvid(dKey, 'spiffe://a.example/agent/a2', actorAud),
    );
    assertOAuthError(
      asA,
      400,
      'invalid_request',
      /signed with a key `d-key` that trust domain `a\.example` does not publish/,
    );
    // Same kid as A's and B's real keys, different key material: the signature does not verify.
    assertOAuthError(
      await delegate(
        a,
        'a1',
        parent,
        await forgeSvid(likeA, 'spiffe://a.example/agent/a2', actorAud),
      ),
      400,
      'invalid_request',
      /actor_token has an invalid signature/,
    );
    assertOAuthError(
      await delegate(
        a,
        'a1',
        parent,
        await forgeSvid(likeB, 'spiffe://b.example/agent/x', actorAud),
      ),
      400,
      'invalid_request',
      /actor_token has an invalid signature/,
    );
    const forgedClient = await tokenRequest(a, {
      grant_type: TOKEN_EXCHANGE,
      ...clientAuth(await forgeSvid(likeA, a1, aud)),
      subject_token: await forgeSvid(likeA, a1, aud),
      subject_token_type: JWT_TYPE,
      resource: RESOURCE,
    });
    assertOAuthError(
      forgedClient,
      401,
      'invalid_client',
      /client assertion has an invalid signature/,
    );

    // A key published in B's (static) bundle signs for b.example, never for a.example.
    const bKey = await forgeKey('b-forged');
    const bBundle = await admin<{ keys: Record<string, unknown>[] }>(
      b,
      'GET',
      '/.well-known/spiffe-bundle',
    );
    await federate(a, {
      trust_domain: 'b.example',
      bundle: { keys: [...bBundle.keys, bKey.bundleJwk] },
    });
    try {
      const forB = await delegate(
        a,
        'a1',
        parent,
        await forgeSvid(bKey, 'spiffe://b.example/agent/x', actorAud),
      );
      assert.equal(forB.status, 200, JSON.stringify(forB.body));
      const forA = await delegate(
        a,
        'a1',
        parent,
        await forgeSvid(bKey, 'spiffe://a.example/agent/a2', actorAud),
      );
      assertOAuthError(
        forA,
        400,
        'invalid_request',
        /signed with a key `b-forged` that trust domain `a\.example` does not publish/,
      );
    } finally {
      await federate(a, { trust_domain: 'b.example', bundle_endpoint: bundleUrl });
    }
  });

  it('refuses a static bundle with a private or secret key, a jwt-svid key without kid, or a non-numeric sequence', async () => {
    const key = await forgeKey('f-key');
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { keys: [{ ...(await exportJWK(key.privateKey)), kid: 'f-key', use: 'jwt-svid' }] },
        /must not contain private keys/,
      ],
      [
        {
          keys: [
            {
              kty: 'oct',
              k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
              kid: 'f-hmac',
              use: 'jwt-svid',
            },
          ],
        },
        /must not contain private keys/,
      ],
      [
        { keys: [{ ...key.bundleJwk, kid: undefined }] },
        /every `jwt-svid` bundle key needs a `kid`/,
      ],
      [
        { keys: [key.bundleJwk], spiffe_sequence: 'latest' },
        /`spiffe_sequence` must be a non-negative integer/,
      ],
      [
        { keys: [key.bundleJwk], spiffe_refresh_hint: -1 },
        /`spiffe_refresh_hint` must be a positive integer/,
      ],
    ];
    for (const [bundle, message] of cases) {
      const res = await request(a.url, 'POST', '/v1/federation', {
        token: a.adminToken,
        json: { trust_domain: 'f.example', bundle },
      });
      assert.match(assertProblem(res, 400, 'invalid_request').detail, message);
    }
    assert.ok(
      !(await federatedDomains(a)).some((d) => d.trust_domain === 'f.example'),
      'nothing was stored',
    );
  });

  it("refreshes B's bundle once its refresh hint has passed, and never stores a bundle whose sequence goes backwards", async () => {
    const stored = async (td: string) => (await a.mandate.store.read.federation.get(td))!.bundle;
    const kids = async (td: string) => (await stored(td)).keys.map((k) => k.kid);
    // e.example: a bundle endpoint the test controls.
    const [e1, e2] = [await forgeKey('e-1'), await forgeKey('e-2')];
    endpoint.bundle = { keys: [e1.bundleJwk], spiffe_sequence: 5, spiffe_refresh_hint: 60 };
    await federate(a, { trust_domain: 'e.example', bundle_endpoint: endpoint.url });

    const before = await stored('b.example');
    const rotated = await admin<{ rotated: { purpose: string; next: string }[] }>(
      b,
      'POST',
      '/v1/keys/rotate',
      { purpose: 'jwt-svid' },
    );
    const newKid = rotated.rotated.find((r) => r.purpose === 'jwt-svid')!.next;
    const published = await admin<{
      keys: unknown[];
      spiffe_sequence: number;
      spiffe_refresh_hint: number;
    }>(b, 'GET', '/.well-known/spiffe-bundle');
    assert.ok(
      published.spiffe_sequence > (before.spiffe_sequence ?? 0),
      'B published a new sequence',
    );
    endpoint.bundle = { keys: [e2.bundleJwk], spiffe_sequence: 3, spiffe_refresh_hint: 60 };

    assert.equal(
      await a.mandate.federation.refreshDue(),
      0,
      'nothing is due before the refresh hint',
    );
    assert.ok(!(await kids('b.example')).includes(newKid));

    clockA.advance((published.spiffe_refresh_hint + 1) * 1000);
    assert.equal(await a.mandate.federation.refreshDue(), 1, 'only B changed');
    const listed = await federatedDomains(a);
    const bRow = listed.find((d) => d.trust_domain === 'b.example')!;
    assert.deepEqual(
      [bRow.spiffe_sequence, bRow.keys],
      [published.spiffe_sequence, published.keys.length],
    );
    assert.ok((await kids('b.example')).includes(newKid), "A holds B's new key");
    const eRow = listed.find((d) => d.trust_domain === 'e.example')!;
    assert.equal(eRow.spiffe_sequence, 5, 'the bundle with sequence 3 was not stored');
    assert.deepEqual(await kids('e.example'), ['e-1']);

    // A sequence that is not a number cannot sneak past the comparison.
    endpoint.bundle = { keys: [e2.bundleJwk], spiffe_sequence: 'latest', spiffe_refresh_hint: 60 };
    clockA.advance(61_000);
    assert.equal(await a.mandate.federation.refreshDue(), 0);
    assert.deepEqual(
      [(await stored('e.example')).spiffe_sequence, await kids('e.example')],
      [5, ['e-1']],
    );

    // A later sequence is stored at the next refresh.
    endpoint.bundle = { keys: [e2.bundleJwk], spiffe_sequence: 6, spiffe_refresh_hint: 60 };
    clockA.advance(61_000);
    assert.equal(await a.mandate.federation.refreshDue(), 1);
    assert.deepEqual(
      [(await stored('e.example')).spiffe_sequence, await kids('e.example')],
      [6, ['e-2']],
    );
  });
});
