// Issue 3 adversarial tests, part 1: client authentication and forged or misused tokens.
// RFC 8693 §2.2.2: a bad subject or actor token is `invalid_request`; RFC 7521 §4.2.1 / the
// SPIFFE client auth draft: every client authentication failure is 401 `invalid_client`.
// Every refusal must change nothing and be audited (assertRefusedUnchanged).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  assertOAuthError,
  assertRefusedUnchanged,
  auditEvents,
  claimsOf,
  clientAuth,
  delegateParams,
  delegationSvid,
  exchange,
  hs256WithPublicKey,
  isActive,
  lastAuditSeq,
  postForm,
  RESOURCE,
  registerAgent,
  signingJwk,
  signWithStrangerKey,
  startTask,
  svid,
  taskIds,
  TOKEN_EXCHANGE,
  TOKEN_TYPE,
  tokenOk,
  unsignedJwt,
  type Json,
} from './helpers.js';

describe('adversarial: client authentication and forged tokens', () => {
  let server: TestServer;
  let other: TestServer;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };
  const start = async (): Promise<[string, string][]> => [
    ['subject_token', await svid(server, 'alpha')],
    ['subject_token_type', TOKEN_TYPE.jwt],
    ['resource', RESOURCE],
  ];
  /** Claims a JWT-SVID of alpha for the issuer would carry. */
  const svidClaims = (): Json => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: alpha.id,
      aud: server.config.issuer,
      iss: server.config.issuer,
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
    };
  };

  before(async () => {
    server = await startTestServer();
    other = await startTestServer();
    alpha.id = await registerAgent(server, 'alpha');
    beta.id = await registerAgent(server, 'beta');
    await registerAgent(other, 'alpha');
    await addTrustRule(server, '*', '*');
  });
  after(async () => {
    await other.stop();
    await server.stop();
  });

  it('accepts the honest request these tests corrupt', async () => {
    const before = (await taskIds(server)).length;
    tokenOk(await exchange(server, alpha, await start()));
    assert.equal((await taskIds(server)).length, before + 1);
  });

  it('refuses a client assertion for another audience, or with extra audiences', async () => {
    const wrong = await svid(server, 'alpha', { audience: 'https://elsewhere.example.org' });
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion: wrong }),
      401,
      'invalid_client',
      /audience/,
    );
    const extra = await svid(server, 'alpha', {
      audience: [server.config.issuer, 'https://elsewhere.example.org'],
    });
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion: extra }),
      401,
      'invalid_client',
      /only audience/,
    );
    // rfc7523bis: the token endpoint URL is not an acceptable audience.
    const tokenEndpoint = await svid(server, 'alpha', {
      audience: `${server.config.issuer}/oauth/token`,
    });
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion: tokenEndpoint }),
      401,
      'invalid_client',
      /audience/,
    );
  });

  it('refuses a replayed client assertion', async () => {
    const assertion = await svid(server, 'alpha');
    tokenOk(await exchange(server, alpha, await start(), { assertion }));
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion }),
      401,
      'invalid_client',
      /already used/,
    );
  });

  it('refuses an alg:none, an HS256-with-the-public-key and an unknown-kid client assertion', async () => {
    const real = await svid(server, 'alpha');
    const jwk = await signingJwk(server, real);
    const header = { kid: jwk.kid, typ: 'JWT' };
    const forgeries: [string, RegExp][] = [
      [unsignedJwt(header, svidClaims()), /algorithm `none`/],
      [hs256WithPublicKey(jwk, header, svidClaims()), /algorithm `HS256`/],
      [
        await signWithStrangerKey({ kid: 'unknown-kid', typ: 'JWT' }, svidClaims()),
        /key `unknown-kid`/,
      ],
      [await signWithStrangerKey(header, svidClaims()), /invalid signature/],
    ];
    for (const [forged, why] of forgeries) {
      await assertRefusedUnchanged(
        server,
        async () => exchange(server, alpha, await start(), { assertion: forged }),
        401,
        'invalid_client',
        why,
      );
    }
  });

  it('refuses a client assertion from another server of the same trust domain name', async () => {
    const foreign = await svid(other, 'alpha', { audience: server.config.issuer });
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion: foreign }),
      401,
      'invalid_client',
      /does not publish/,
    );
  });

  it("requires introspection and revocation callers to authenticate, and lets only a token's chain revoke it", async () => {
    const task = await startTask(server, alpha);
    for (const path of ['/oauth/introspect', '/oauth/revoke']) {
      assertOAuthError(
        await postForm(server, path, [['token', task.access_token]]),
        401,
        'invalid_client',
      );
      const bad = await postForm(server, path, [['token', task.access_token]], {
        authorization: 'Bearer not-the-admin-token',
      });
      // RFC 6750 §3: a rejected bearer credential is invalid_token with a challenge.
      assert.equal(bad.status, 401, bad.text);
      assert.equal(bad.body.error, 'invalid_token');
      assert.match(String(bad.headers.get('www-authenticate')), /^Bearer error="invalid_token"/);
      assertOAuthError(
        await postForm(server, path, [
          ['token', task.access_token],
          ...clientAuth(
            alpha.id,
            await svid(server, 'alpha', { audience: 'https://elsewhere.example.org' }),
          ),
        ]),
        401,
        'invalid_client',
      );
    }
    // beta is neither the holder nor the client of alpha's token: 200, nothing revoked, audited as denied.
    const seq = await lastAuditSeq(server);
    const res = await postForm(server, '/oauth/revoke', [
      ['token', task.access_token],
      ...clientAuth(beta.id, await svid(server, 'beta')),
    ]);
    assert.equal(res.status, 200, res.text);
    assert.equal(await isActive(server, task.access_token), true);
    const denied = (await auditEvents(server, seq)).filter((e) => e.action === 'token.revoke');
    assert.deepEqual(
      denied.map((e) => e.outcome),
      ['denied'],
    );
  });

  it('refuses a task token (at+jwt) as a client assertion', async () => {
    const task = await startTask(server, alpha);
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, await start(), { assertion: task.access_token }),
      401,
      'invalid_client',
      /at\+jwt/,
    );
  });

  it('refuses a client_id that is not the assertion subject, and a client secret', async () => {
    const assertion = await svid(server, 'alpha');
    await assertRefusedUnchanged(
      server,
      async () =>
        postForm(server, '/oauth/token', [
          ['grant_type', TOKEN_EXCHANGE],
          ...clientAuth(beta.id, assertion),
          ...(await start()),
        ]),
      401,
      'invalid_client',
      /client_id/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        postForm(server, '/oauth/token', [
          ['grant_type', TOKEN_EXCHANGE],
          ['client_id', alpha.id],
          ['client_secret', 's3cret'],
          ...(await start()),
        ]),
      401,
      'invalid_client',
      /secret/,
    );
    await assertRefusedUnchanged(
      server,
      async () => exchange(server, alpha, [...(await start()), ['client_secret', 's3cret']]),
      401,
      'invalid_client',
      /secret/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        postForm(server, '/oauth/token', [
          ['grant_type', TOKEN_EXCHANGE],
          ['client_id', alpha.id],
          ...(await start()),
        ]),
      401,
      'invalid_client',
      /client authentication required/,
    );
  });

  it('refuses a subject task token from another server (wrong issuer and key)', async () => {
    const foreign = await startTask(other, { name: 'alpha', id: alpha.id });
    assert.notEqual(claimsOf(foreign.access_token).iss, server.config.issuer);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, await delegateParams(server, foreign.access_token, 'beta')),
      400,
      'invalid_request',
      /subject_token: the token is signed with an unknown key/,
    );
  });

  it('refuses a subject task token that is forged: re-signed, alg:none, HS256 with the public key, unknown kid', async () => {
    const parent = await startTask(server, alpha);
    const claims = claimsOf(parent.access_token) as unknown as Json;
    const jwk = await signingJwk(server, parent.access_token);
    const header = { kid: jwk.kid, typ: 'at+jwt' };
    const forgeries: [string, RegExp][] = [
      [await signWithStrangerKey(header, claims), /signature is invalid/],
      [await signWithStrangerKey({ kid: 'unknown-kid', typ: 'at+jwt' }, claims), /unknown key/],
      [unsignedJwt(header, claims), /algorithm/],
      [hs256WithPublicKey(jwk, header, claims), /algorithm/],
      [
        hs256WithPublicKey(jwk, header, {
          ...claims,
          scope: 'tool:fetch tool:search tool:github/admin',
        }),
        /algorithm/,
      ],
    ];
    for (const [forged, why] of forgeries) {
      await assertRefusedUnchanged(
        server,
        async () => exchange(server, alpha, await delegateParams(server, forged, 'beta')),
        400,
        'invalid_request',
        why,
      );
    }
    // The genuine parent still delegates.
    tokenOk(
      await exchange(server, alpha, await delegateParams(server, parent.access_token, 'beta')),
    );
  });

  it('refuses a forged subject jwt-svid when starting a task', async () => {
    const real = await svid(server, 'alpha');
    const jwk = await signingJwk(server, real);
    const header = { kid: jwk.kid, typ: 'JWT' };
    const forgeries: [string, RegExp][] = [
      [unsignedJwt(header, svidClaims()), /algorithm `none`/],
      [hs256WithPublicKey(jwk, header, svidClaims()), /algorithm `HS256`/],
      [await signWithStrangerKey({ kid: 'unknown-kid' }, svidClaims()), /key `unknown-kid`/],
    ];
    for (const [forged, why] of forgeries) {
      await assertRefusedUnchanged(
        server,
        async () =>
          exchange(server, alpha, [
            ['subject_token', forged],
            ['subject_token_type', TOKEN_TYPE.jwt],
            ['resource', RESOURCE],
          ]),
        400,
        'invalid_request',
        why,
      );
    }
    // Another agent's SVID is not alpha's to start a task with.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', await svid(server, 'beta')],
          ['subject_token_type', TOKEN_TYPE.jwt],
          ['resource', RESOURCE],
        ]),
      400,
      'invalid_request',
      /own jwt-svid/,
    );
  });

  it('refuses a jwt-svid where a task token is expected, and a task token where a jwt-svid is expected', async () => {
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, await delegateParams(server, await svid(server, 'alpha'), 'beta')),
      400,
      'invalid_request',
      /subject_token: the token type `JWT` is not at\+jwt/,
    );
    const task = await startTask(server, alpha);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', task.access_token],
          ['subject_token_type', TOKEN_TYPE.jwt],
          ['resource', RESOURCE],
        ]),
      400,
      'invalid_request',
      /subject_token has type `at\+jwt`/,
    );
    // …and as actor_token.
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', task.access_token],
          ['subject_token_type', TOKEN_TYPE.accessToken],
          ['actor_token', task.access_token],
          ['actor_token_type', TOKEN_TYPE.jwt],
        ]),
      400,
      'invalid_request',
      /actor_token has type `at\+jwt`/,
    );
  });

  it('refuses a missing or unsupported grant_type, a repeated parameter, and actor_token without its type', async () => {
    const assertion = await svid(server, 'alpha');
    await assertRefusedUnchanged(
      server,
      async () =>
        postForm(server, '/oauth/token', [...clientAuth(alpha.id, assertion), ...(await start())]),
      400,
      'invalid_request',
      /grant_type/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        postForm(server, '/oauth/token', [
          ['grant_type', 'client_credentials'],
          ...clientAuth(alpha.id, assertion),
          ...(await start()),
        ]),
      400,
      'unsupported_grant_type',
      /client_credentials/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        postForm(server, '/oauth/token', [
          ['grant_type', TOKEN_EXCHANGE],
          ['grant_type', TOKEN_EXCHANGE],
          ...clientAuth(alpha.id, assertion),
          ...(await start()),
        ]),
      400,
      'invalid_request',
      /must not repeat/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ...(await start()),
          ['scope', 'tool:search'],
          ['scope', 'tool:fetch'],
        ]),
      400,
      'invalid_request',
      /`scope` must not repeat/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [...(await start()), ['subject_token_type', TOKEN_TYPE.jwt]]),
      400,
      'invalid_request',
      /`subject_token_type` must not repeat/,
    );
    const parent = await startTask(server, alpha);
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', parent.access_token],
          ['subject_token_type', TOKEN_TYPE.accessToken],
          ['actor_token', await delegationSvid(server, 'beta', alpha.id)],
        ]),
      400,
      'invalid_request',
      /actor_token_type/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [...(await start()), ['actor_token_type', TOKEN_TYPE.jwt]]),
      400,
      'invalid_request',
      /actor_token_type/,
    );
    await assertRefusedUnchanged(
      server,
      async () =>
        exchange(server, alpha, [
          ['subject_token', 'x'],
          ['subject_token_type', 'urn:example:unknown'],
          ['resource', RESOURCE],
        ]),
      400,
      'invalid_request',
      /subject_token_type/,
    );
  });
});
