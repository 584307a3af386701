// Issue 15, RFC 7591 dynamic client registration at POST /oauth/register: the MCP SDK's own
// registerClient (its response schema) against a real server, and the refusals on the wire
// (RFC 7591 §3.2.2 JSON, RFC 6750 challenges for the initial access token).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  discoverAuthorizationServerMetadata,
  registerClient,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';

async function register(
  server: TestServer,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${server.config.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: res.status,
    json: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

const INSPECTOR = {
  client_name: 'MCP Inspector',
  redirect_uris: ['http://localhost:6274/oauth/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
};

describe('dynamic client registration (open, the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  test("the MCP SDK's registerClient registers a public client and reads the response", async () => {
    const issuer = server.config.issuer;
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    const info = await registerClient(issuer, { metadata, clientMetadata: INSPECTOR });
    assert.match(info.client_id, /^[0-9a-f]{32}$/);
    assert.equal(info.client_secret, undefined);
    assert.equal(info.token_endpoint_auth_method, 'none');
    assert.deepEqual(info.redirect_uris, INSPECTOR.redirect_uris);
    assert.deepEqual(info.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(typeof info.client_id_issued_at, 'number');
    const [listed] = (await server.admin.clients.list()).filter(
      (c) => c.client_id === info.client_id,
    );
    assert.equal(listed?.kind, 'registered');
    assert.equal(listed?.owner, null);
    assert.equal(listed?.agent, null, 'no identity before a consent');
    assert.equal(
      listed?.spiffe_id,
      `spiffe://${server.config.trustDomain}/client/${info.client_id}`,
    );
  });

  test('a non-loopback http redirect is invalid_redirect_uri; malformed json and wrong types are invalid_client_metadata', async () => {
    const bad = await register(
      server,
      JSON.stringify({ ...INSPECTOR, redirect_uris: ['http://host.example/cb'] }),
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'invalid_redirect_uri');
    assert.match(
      String(bad.json.error_description),
      /`redirect_uris\[0\]` must be https, or http on a loopback address/,
    );
    for (const body of [
      '{"redirect_uris": ["http://127.0.0.1/cb"',
      '[]',
      JSON.stringify({ ...INSPECTOR, client_name: ['x'] }),
      JSON.stringify({ ...INSPECTOR, grant_types: 'authorization_code' }),
      JSON.stringify({ ...INSPECTOR, grant_types: ['client_credentials'] }),
    ]) {
      const r = await register(server, body);
      assert.equal(r.status, 400, body);
      assert.equal(r.json.error, 'invalid_client_metadata', body);
    }
    const text = await fetch(`${server.config.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(INSPECTOR),
    });
    assert.equal(text.status, 400);
    assert.equal(((await text.json()) as { error: string }).error, 'invalid_client_metadata');
    const huge = await register(server, JSON.stringify({ ...INSPECTOR, pad: 'x'.repeat(70_000) }));
    assert.equal(huge.status, 400);
    assert.match(String(huge.json.error_description), /larger than 65536 bytes/);
  });
});

describe('dynamic client registration (initial-access-token)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ flags: { registration: 'initial-access-token' } });
  });
  after(() => server.stop());

  test('a missing or wrong token is 401 invalid_token with a Bearer challenge; an admin-created one registers', async () => {
    const body = JSON.stringify(INSPECTOR);
    const missing = await register(server, body);
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error, 'invalid_token');
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    const wrong = await register(server, body, { authorization: 'Bearer not-an-initial-token' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error, 'invalid_token');
    // The admin token is not an initial access token.
    const admin = await register(server, body, { authorization: `Bearer ${server.adminToken}` });
    assert.equal(admin.status, 401);
    const t = await server.admin.clients.createRegistrationToken({ uses: 1, ttlSeconds: 600 });
    assert.equal(t.uses, 1);
    assert.equal(t.registration, 'initial-access-token');
    const ok = await register(server, body, { authorization: `Bearer ${t.registration_token}` });
    assert.equal(ok.status, 201, JSON.stringify(ok.json));
    const again = await register(server, body, { authorization: `Bearer ${t.registration_token}` });
    assert.equal(again.status, 401, 'used up');
    assert.deepEqual(
      (await server.admin.clients.list()).map((c) => [c.client_id, c.created_by]),
      [[ok.json.client_id, 'registration-token']],
    );
  });
});
