import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { decodeJwt, importJWK, jwtVerify } from 'jose';
import { MandateError } from '../core/errors.js';
import { ADMIN, brokerFixture, ISSUER, type BrokerFixture } from '../../test/e2e/broker/fixture.js';
import {
  startUpstreamAs,
  TOKEN_EXCHANGE_GRANT,
  type UpstreamAs,
} from '../../test/e2e/broker/upstream-as.js';
import type { CredentialBinding } from './broker.js';

const CLIENT_SECRET = 'cs-0123456789-very-secret';
const ROTATED_SECRET = 'cs-rotated-9876543210-secret';
const unavailable =
  (reason: string, extra: (e: MandateError) => boolean = () => true) =>
  (err: unknown) =>
    err instanceof MandateError &&
    err.code === 'credential_unavailable' &&
    err.details?.reason === reason &&
    extra(err);
const noSecretIn = (e: MandateError) =>
  !JSON.stringify({ m: e.message, d: e.details }).includes('cs-');

describe('credential broker', () => {
  let f: BrokerFixture;
  let as: UpstreamAs;
  before(async () => {
    f = await brokerFixture();
    as = await startUpstreamAs({
      clients: { 'svc-client': CLIENT_SECRET, 'ex-client': CLIENT_SECRET },
      expiresIn: 300,
    });
    await f.secrets.put('svc-client-secret', { value: CLIENT_SECRET }, ADMIN);
  });
  after(async () => {
    await as.close();
    await f.close();
  });
  afterEach(() => {
    as.override = undefined;
    as.hold = undefined;
  });

  describe('static', () => {
    test('injects the current version and names it; a rotation takes effect at the next call', async () => {
      await f.secrets.put('gh', { value: 'ghp_one' }, ADMIN);
      const binding: CredentialBinding = { provider: 'static', secret: 'gh', as: 'bearer' };
      assert.deepEqual(await f.broker.credentialFor('github', binding, f.caller()), {
        headers: { authorization: 'Bearer ghp_one' },
        secretRef: { id: 'gh', version: 1 },
      });
      await f.secrets.put('gh', { value: 'ghp_two' }, ADMIN);
      assert.deepEqual(await f.broker.credentialFor('github', binding, f.caller()), {
        headers: { authorization: 'Bearer ghp_two' },
        secretRef: { id: 'gh', version: 2 },
      });
    });

    test('an unknown, disabled or deleted secret is credential_unavailable naming the service', async () => {
      const binding: CredentialBinding = { provider: 'static', secret: 'nope', as: 'bearer' };
      await assert.rejects(
        f.broker.credentialFor('github', binding, f.caller()),
        unavailable(
          'secret_not_found',
          (e) =>
            e.details?.service === 'github' &&
            /^no credential for `github`: secret `nope` does not exist$/.test(e.message),
        ),
      );
      await f.secrets.put('off', { value: 'v' }, ADMIN);
      await f.secrets.disable('off', ADMIN);
      await assert.rejects(
        f.broker.credentialFor(
          's',
          { provider: 'static', secret: 'off', as: 'bearer' },
          f.caller(),
        ),
        unavailable('secret_disabled'),
      );
    });
  });

  test('a bad binding is refused before anything is read (credential_unavailable, reason bad_binding)', async () => {
    await assert.rejects(
      f.broker.credentialFor('s', { provider: 'static', secret: 'gh', as: 'header' }, f.caller()),
      unavailable('bad_binding', (e) => e.details?.field === 'credential.header'),
    );
    await assert.rejects(
      f.broker.credentialFor('s', { provider: 'ldap' } as never, f.caller()),
      unavailable('bad_binding'),
    );
    await assert.rejects(
      f.broker.credentialFor(
        's',
        {
          provider: 'oauth_client_credentials',
          secret: 'x',
          tokenEndpoint: 'http://as.example.com/token',
          clientId: 'c',
        },
        f.caller(),
      ),
      unavailable('bad_binding'),
    );
  });

  describe('oauth client credentials (RFC 6749 §4.4)', () => {
    const binding = (
      over: Partial<Extract<CredentialBinding, { provider: 'oauth_client_credentials' }>> = {},
    ): CredentialBinding => ({
      provider: 'oauth_client_credentials',
      secret: 'svc-client-secret',
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'svc-client',
      scope: 'read write',
      ...over,
    });

    test('gets a token with client_secret_basic, caches it until shortly before expires_in, then refreshes', async () => {
      const b = binding({ audience: 'https://api.example.com' });
      const before = as.requests.length;
      const first = await f.broker.credentialFor('api', b, f.caller());
      const r = as.requests.at(-1)!;
      assert.equal(r.auth, 'basic');
      assert.equal(r.clientSecret, CLIENT_SECRET);
      assert.deepEqual(r.params, {
        grant_type: 'client_credentials',
        scope: 'read write',
        audience: 'https://api.example.com',
      });
      assert.match(first.headers.authorization!, /^Bearer cc_/);
      assert.deepEqual(first.secretRef, { id: 'svc-client-secret', version: 1 });
      assert.equal(first.expiresAt, f.clock.now() + 300_000);
      f.clock.advance(269_000);
      assert.deepEqual(
        await f.broker.credentialFor(
          'api',
          b,
          f.caller({ subject: 'someone-else', taskId: 'other' }),
        ),
        first,
        'one token serves every caller',
      );
      assert.equal(as.requests.length, before + 1);
      f.clock.advance(1_000);
      const refreshed = await f.broker.credentialFor('api', b, f.caller());
      assert.notEqual(
        refreshed.headers.authorization,
        first.headers.authorization,
        '30 s before expiry it is refreshed',
      );
      assert.equal(as.requests.length, before + 2);
    });

    test('concurrent calls share one token request', async () => {
      const b = binding({ scope: 'concurrent' });
      let release!: () => void;
      as.hold = new Promise((r) => (release = r));
      const before = as.requests.length;
      const calls = Promise.all(
        Array.from({ length: 8 }, () => f.broker.credentialFor('api', b, f.caller())),
      );
      await new Promise((r) => setImmediate(r));
      release();
      const results = await calls;
      assert.equal(new Set(results.map((c) => c.headers.authorization)).size, 1);
      assert.equal(as.requests.length, before + 1);
    });

    test('client_secret_post; a rotated client secret is used at the next call', async () => {
      await f.secrets.put('rotating', { value: CLIENT_SECRET }, ADMIN);
      const b = binding({ secret: 'rotating', auth: 'client_secret_post', scope: 'rot' });
      const one = await f.broker.credentialFor('api', b, f.caller());
      assert.deepEqual(
        [as.requests.at(-1)!.auth, as.requests.at(-1)!.clientSecret],
        ['post', CLIENT_SECRET],
      );
      await f.secrets.put('rotating', { value: ROTATED_SECRET }, ADMIN);
      await assert.rejects(
        f.broker.credentialFor('api', b, f.caller()),
        unavailable(
          'upstream_error',
          (e) =>
            e.details?.upstream_error === 'invalid_client' &&
            e.details?.upstream_status === 401 &&
            noSecretIn(e),
        ),
      );
      assert.equal(
        as.requests.at(-1)!.clientSecret,
        ROTATED_SECRET,
        'the new version went upstream, not the cached token',
      );
      assert.ok(one.headers.authorization);
    });

    test('upstream refusals carry only the OAuth error code and status, never error_description or the body', async () => {
      as.override = () => ({
        status: 400,
        body: {
          error: 'invalid_scope',
          error_description: `scope refused for secret ${CLIENT_SECRET}`,
        },
      });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x1' }), f.caller()),
        unavailable(
          'upstream_error',
          (e) =>
            e.details?.upstream_error === 'invalid_scope' &&
            noSecretIn(e) &&
            e.message.includes('`invalid_scope`'),
        ),
      );
      as.override = () => ({ status: 500, body: `<html>${CLIENT_SECRET}</html>` });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x2' }), f.caller()),
        unavailable('upstream_error', (e) => e.details?.upstream_status === 500 && noSecretIn(e)),
      );
      as.override = () => ({ status: 400, body: { error: `bad"\`${CLIENT_SECRET}\n` } });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x3' }), f.caller()),
        unavailable(
          'upstream_error',
          (e) => e.details?.upstream_error === undefined && noSecretIn(e),
        ),
      );
      as.override = () => ({
        status: 200,
        body: { access_token: 'a', token_type: 'DPoP', expires_in: 60 },
      });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x4' }), f.caller()),
        unavailable('unsupported_token_type'),
      );
      as.override = () => ({ status: 200, body: { token_type: 'Bearer' } });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x5' }), f.caller()),
        unavailable('upstream_bad_response'),
      );
      as.override = () => ({ status: 200, body: 'not json' });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x6' }), f.caller()),
        unavailable('upstream_bad_response'),
      );
      as.override = () => ({
        status: 302,
        body: {},
        headers: { location: 'http://127.0.0.1:1/steal' },
      });
      await assert.rejects(
        f.broker.credentialFor('api', binding({ scope: 'x7' }), f.caller()),
        unavailable('upstream_unreachable'),
        'a redirect is not followed with the secret',
      );
      as.override = undefined;
      const ok = await f.broker.credentialFor('api', binding({ scope: 'x1' }), f.caller());
      assert.match(ok.headers.authorization!, /^Bearer cc_/, 'failures were not cached');
    });

    test('no expires_in: used once, not cached', async () => {
      as.override = () => ({
        status: 200,
        body: { access_token: 'no-exp-token', token_type: 'bearer' },
      });
      const before = as.requests.length;
      const c = await f.broker.credentialFor('api', binding({ scope: 'noexp' }), f.caller());
      assert.deepEqual(c.headers, { authorization: 'Bearer no-exp-token' });
      assert.equal(c.expiresAt, undefined);
      await f.broker.credentialFor('api', binding({ scope: 'noexp' }), f.caller());
      assert.equal(as.requests.length, before + 2);
    });

    test('an unreachable or silent authorization server is reported as such', async () => {
      await assert.rejects(
        f.broker.credentialFor(
          'api',
          binding({ tokenEndpoint: 'http://127.0.0.1:1/token' }),
          f.caller(),
        ),
        unavailable('upstream_unreachable'),
      );
      const slow = await brokerFixture({ timeoutMs: 200 });
      await slow.secrets.put('svc-client-secret', { value: CLIENT_SECRET }, ADMIN);
      as.hold = new Promise(() => undefined);
      await assert.rejects(
        slow.broker.credentialFor('api', binding({ scope: 'slow' }), slow.caller()),
        unavailable('upstream_timeout'),
      );
      await slow.close();
    });
  });

  describe('oauth token exchange (RFC 8693)', () => {
    const binding = (
      over: Partial<Extract<CredentialBinding, { provider: 'oauth_token_exchange' }>> = {},
    ): CredentialBinding => ({
      provider: 'oauth_token_exchange',
      secret: 'svc-client-secret',
      tokenEndpoint: as.tokenEndpoint,
      clientId: 'ex-client',
      audience: 'https://api.example.com',
      ...over,
    });

    test('the subject_token is a Mandate identity assertion for the caller, aud = the token endpoint', async () => {
      const caller = f.caller({
        subject: 'alice@example.org',
        actors: ['spiffe://example.org/agent/alpha'],
        grantId: 'g-1',
      });
      const c = await f.broker.credentialFor('api', binding(), caller);
      const r = as.requests.at(-1)!;
      assert.equal(r.grantType, TOKEN_EXCHANGE_GRANT);
      assert.equal(r.params.subject_token_type, 'urn:ietf:params:oauth:token-type:jwt');
      assert.equal(r.params.requested_token_type, 'urn:ietf:params:oauth:token-type:access_token');
      assert.equal(r.params.audience, 'https://api.example.com');
      const { payload } = await jwtVerify(r.params.subject_token!, await importJWK(f.publicJwk), {
        issuer: ISSUER,
        audience: as.tokenEndpoint,
        typ: 'mandate-id+jwt',
        currentDate: new Date(f.clock.now()),
      });
      assert.equal(payload.sub, 'alice@example.org');
      assert.deepEqual(payload.act, { sub: 'spiffe://example.org/agent/alpha' });
      assert.equal(payload.grant_id, 'g-1');
      assert.match(c.headers.authorization!, /^Bearer te_/);
      assert.equal(c.expiresAt, f.clock.now() + 300_000);
    });

    test("cached per caller and target; never beyond the caller's token; forgetTask drops a task's tokens", async () => {
      const b = binding({ scope: 'per-caller' });
      const alice = f.caller({ subject: 'alice', taskId: 't-a' }, 100);
      const bob = f.caller({ subject: 'bob', taskId: 't-b' }, 600);
      const before = as.requests.length;
      const a1 = await f.broker.credentialFor('api', b, alice);
      const b1 = await f.broker.credentialFor('api', b, bob);
      assert.notEqual(a1.headers.authorization, b1.headers.authorization);
      assert.equal(
        a1.expiresAt,
        alice.tokenExp * 1000,
        "bounded by the caller's token (100 s < 300 s)",
      );
      assert.deepEqual(await f.broker.credentialFor('api', b, alice), a1);
      assert.deepEqual(
        await f.broker
          .credentialFor('api', b, { ...alice, actors: ['spiffe://example.org/agent/beta'] })
          .then((c) => c.headers.authorization !== a1.headers.authorization),
        true,
        'another chain is another caller',
      );
      assert.equal(as.requests.length, before + 3);
      f.clock.advance(100_000);
      await assert.rejects(
        f.broker.credentialFor('api', b, alice),
        unavailable('caller_token_expired'),
        "not served from the cache past the caller's token",
      );
      assert.deepEqual(await f.broker.credentialFor('api', b, bob), b1);
      f.broker.forgetTask('t-b');
      const b2 = await f.broker.credentialFor('api', b, bob);
      assert.notEqual(b2.headers.authorization, b1.headers.authorization);
    });

    test('an explicit assertion audience and client_secret_post', async () => {
      await f.broker.credentialFor(
        'api',
        binding({
          assertionAudience: 'https://as.example.com',
          auth: 'client_secret_post',
          scope: 'aud',
        }),
        f.caller(),
      );
      const r = as.requests.at(-1)!;
      assert.equal(r.auth, 'post');
      assert.equal(decodeJwt(r.params.subject_token!).aud, 'https://as.example.com');
    });
  });

  test("mandate_jwt: a Mandate-signed bearer for an internal service, aud = it, exp ≤ min(ttl, the caller's token)", async () => {
    const caller = f.caller({ actors: ['spiffe://example.org/agent/beta'] }, 90);
    const c = await f.broker.credentialFor(
      'internal',
      { provider: 'mandate_jwt', audience: 'https://internal.example.org', ttlSeconds: 300 },
      caller,
    );
    const jwt = c.headers.authorization!.replace(/^Bearer /, '');
    const { payload } = await jwtVerify(jwt, await importJWK(f.publicJwk), {
      issuer: ISSUER,
      audience: 'https://internal.example.org',
      typ: 'mandate-id+jwt',
      currentDate: new Date(f.clock.now()),
    });
    assert.equal(payload.exp, caller.tokenExp);
    assert.equal(c.expiresAt, caller.tokenExp * 1000);
    assert.deepEqual(payload.act, { sub: 'spiffe://example.org/agent/beta' });
    assert.equal(c.secretRef, undefined);
    const short = await f.broker.credentialFor(
      'internal',
      { provider: 'mandate_jwt', audience: 'svc' },
      f.caller(),
    );
    assert.equal(short.expiresAt, f.clock.now() + 60_000, '60 s by default');
  });
});
