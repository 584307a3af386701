import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { MandateError, type ErrorCode } from '../core/errors.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { ClientRegistration, registrationResponse, type RegistrationMode } from './registration.js';

const ctx = { actor: 'anonymous', requestId: 'r1' };

function setup(mode: RegistrationMode) {
  const clock = new ManualClock();
  const store = new MemoryStore({ clock });
  return {
    clock,
    store,
    reg: new ClientRegistration({ store, clock, trustDomain: 'example.org', mode }),
  };
}

async function refused(p: Promise<unknown>, code: ErrorCode, why: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MandateError, String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, why);
    return true;
  });
}

const body = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    client_name: 'Inspector',
    redirect_uris: ['http://localhost:6274/oauth/callback'],
    ...over,
  });

test('registration (open): a public client with its RFC 7591 §3.2.1 response, audited', async () => {
  const { store, reg, clock } = setup('open');
  const c = await reg.register(
    body({
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      logo_uri: 'https://x.example/l.png',
      contacts: ['a@x'],
    }),
    undefined,
    ctx,
  );
  assert.match(c.clientId, /^[0-9a-f]{32}$/);
  assert.deepEqual(registrationResponse(c), {
    client_id: c.clientId,
    client_id_issued_at: Math.floor(clock.now() / 1000),
    client_name: 'Inspector',
    redirect_uris: ['http://localhost:6274/oauth/callback'],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    logo_uri: 'https://x.example/l.png',
  });
  const [event] = await store.read.audit.list();
  assert.equal(event?.action, 'client.register');
  assert.equal(event?.actor, 'anonymous');
  assert.equal(event?.target, `spiffe://example.org/client/${c.clientId}`);
  assert.equal((await store.read.oauthClients.get(c.clientId))?.owner, null);
});

test('registration (open): a non-loopback http redirect is invalid_redirect_uri, so is a private-use scheme', async () => {
  const { reg, store } = setup('open');
  await refused(
    reg.register(body({ redirect_uris: ['http://app.example/cb'] }), undefined, ctx),
    'invalid_redirect_uri',
    /`redirect_uris\[0\]` must be https, or http on a loopback address/,
  );
  await refused(
    reg.register(body({ redirect_uris: ['com.example.app:/cb'] }), undefined, ctx),
    'invalid_redirect_uri',
    /`redirect_uris\[0\]`/,
  );
  await refused(
    reg.register(body({ redirect_uris: [] }), undefined, ctx),
    'invalid_redirect_uri',
    /non-empty array/,
  );
  await refused(
    reg.register(JSON.stringify({ client_name: 'x' }), undefined, ctx),
    'invalid_redirect_uri',
    /`redirect_uris` is required/,
  );
  assert.deepEqual(await store.read.oauthClients.list(), [], 'nothing registered');
  assert.deepEqual(await store.read.audit.list(), []);
});

test('registration: malformed json and wrong types are invalid_client_metadata', async () => {
  const { reg } = setup('open');
  for (const [text, why] of [
    ['{"redirect_uris": [', /not json/],
    ['[]', /must be a json object/],
    ['"x"', /must be a json object/],
    [body({ redirect_uris: 'http://localhost/cb' }), null],
    [body({ client_name: 5 }), /`client_name` must be a string/],
    [body({ client_name: 'a\u202eb' }), /control or formatting/],
    [
      body({ grant_types: ['client_credentials'] }),
      /`grant_types` must include `authorization_code`/,
    ],
    [body({ grant_types: ['authorization_code', 'implicit'] }), /`implicit` is not supported/],
    [body({ response_types: ['token'] }), /`response_types` must include `code`/],
    [
      body({ token_endpoint_auth_method: 'private_key_jwt' }),
      /`token_endpoint_auth_method` must be `none`/,
    ],
    [body({ logo_uri: 'http://x.example/l.png' }), /`logo_uri` must be an https url/],
    ['{"redirect_uris":["http://localhost/a"],"redirect_uris":["http://localhost/b"]}', /twice/],
  ] as const) {
    if (why === null)
      await refused(reg.register(text, undefined, ctx), 'invalid_redirect_uri', /non-empty array/);
    else await refused(reg.register(text, undefined, ctx), 'invalid_client_metadata', why);
  }
});

test('registration (off): nothing is registered', async () => {
  const { reg } = setup('off');
  await refused(reg.register(body(), undefined, ctx), 'not_found', /registration is off/);
});

test('registration (initial-access-token): a missing, wrong, expired or used-up token is invalid_token and spends nothing', async () => {
  const { reg, clock, store } = setup('initial-access-token');
  await refused(
    reg.register(body(), undefined, ctx),
    'invalid_token',
    /needs an initial access token/,
  );
  await refused(reg.register(body(), 'not-a-token', ctx), 'invalid_token', /not valid/);
  const { token } = await reg.createToken(
    { ttlSeconds: 600, uses: 2 },
    { actor: 'admin', requestId: null },
  );
  // A refused registration costs no use.
  await refused(
    reg.register(body({ redirect_uris: ['http://app.example/cb'] }), token, ctx),
    'invalid_redirect_uri',
    /redirect_uris/,
  );
  // Private-use schemes are accepted when an admin's token vouches for the registration.
  const a = await reg.register(body({ redirect_uris: ['com.example.app:/cb'] }), token, ctx);
  assert.equal(a.createdBy, 'registration-token');
  await reg.register(body(), token, ctx);
  await refused(reg.register(body(), token, ctx), 'invalid_token', /used up/);
  const { token: later } = await reg.createToken(
    { ttlSeconds: 60, uses: 5 },
    { actor: 'admin', requestId: null },
  );
  clock.advance(60_000);
  await refused(reg.register(body(), later, ctx), 'invalid_token', /expired/);
  assert.equal((await store.read.oauthClients.list()).length, 2);
  const actions = (await store.read.audit.list()).map((e) => e.action);
  assert.deepEqual(actions, [
    'registration_token.create',
    'client.register',
    'client.register',
    'registration_token.create',
  ]);
});

test('registration: initial access tokens are bounded', async () => {
  const { reg } = setup('initial-access-token');
  const admin = { actor: 'admin', requestId: null };
  await refused(
    reg.createToken({ ttlSeconds: 0, uses: 1 }, admin),
    'invalid_request',
    /ttl_seconds/,
  );
  await refused(
    reg.createToken({ ttlSeconds: 31 * 86_400, uses: 1 }, admin),
    'invalid_request',
    /ttl_seconds/,
  );
  await refused(reg.createToken({ ttlSeconds: 60, uses: 0 }, admin), 'invalid_request', /uses/);
  await refused(reg.createToken({ ttlSeconds: 60, uses: 1.5 }, admin), 'invalid_request', /uses/);
});

test('registration (open): a client nobody consented to within a day is deleted at a later registration', async () => {
  const { reg, clock, store } = setup('open');
  const first = await reg.register(body(), undefined, ctx);
  const claimed = await reg.register(body(), undefined, ctx);
  await store.transaction(async (tx) => {
    const c = (await tx.oauthClients.get(claimed.clientId))!;
    await tx.oauthClients.update({ ...c, owner: 'alice@example.org' });
  });
  clock.advance(86_400_000);
  await reg.register(body(), undefined, ctx);
  assert.ok(await store.read.oauthClients.get(first.clientId), 'a day is not past it yet');
  clock.advance(1);
  await reg.register(body(), undefined, ctx);
  assert.equal(await store.read.oauthClients.get(first.clientId), undefined);
  assert.ok(await store.read.oauthClients.get(claimed.clientId), 'a consented client stays');
});
