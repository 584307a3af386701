// Issue 15, "Metadata": what outside MCP clients read before anything else. The official MCP SDK's
// own discovery (discoverAuthorizationServerMetadata, then startAuthorization's checks) and
// oauth4webapi (RFC 8414 and OpenID discovery) accept Mandate's documents; no Mandate code on
// their side.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  discoverAuthorizationServerMetadata,
  startAuthorization,
} from '@modelcontextprotocol/sdk/client/auth.js';
import * as oauth from 'oauth4webapi';
import { startTestServer, type TestServer } from '../../fakes/server.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

describe('authorization server metadata (RFC 8414, OpenID discovery)', () => {
  let server: TestServer;
  let off: TestServer;

  before(async () => {
    server = await startTestServer();
    off = await startTestServer({
      flags: { registration: 'off', clientMetadataDocuments: 'false' },
    });
  });
  after(async () => {
    await server.stop();
    await off.stop();
  });

  test('the MCP SDK discovers it and would start the authorization code flow with PKCE S256', async () => {
    const issuer = server.config.issuer;
    const metadata = await discoverAuthorizationServerMetadata(issuer);
    assert.ok(metadata, 'found at /.well-known/oauth-authorization-server');
    assert.equal(metadata.issuer, issuer);
    assert.equal(metadata.authorization_endpoint, `${issuer}/oauth/authorize`);
    assert.equal(metadata.token_endpoint, `${issuer}/oauth/token`);
    assert.equal(metadata.registration_endpoint, `${issuer}/oauth/register`);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.grant_types_supported, [
      'authorization_code',
      'refresh_token',
      TOKEN_EXCHANGE,
    ]);
    assert.ok(metadata.token_endpoint_auth_methods_supported?.includes('none'));
    assert.equal(metadata.client_id_metadata_document_supported, true);
    // The checks the SDK makes before sending anyone to the authorization endpoint.
    const { authorizationUrl, codeVerifier } = await startAuthorization(issuer, {
      metadata,
      clientInformation: { client_id: 'https://host.example/client.json' },
      redirectUrl: 'http://127.0.0.1:33418/callback',
      resource: new URL('https://gateway.example.org/mcp'),
    });
    assert.equal(authorizationUrl.origin + authorizationUrl.pathname, `${issuer}/oauth/authorize`);
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(codeVerifier.length >= 43);
  });

  test('oauth4webapi accepts the RFC 8414 document and the OpenID one, which promises no ID tokens', async () => {
    const issuer = new URL(server.config.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const oidc = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
    assert.equal(oidc.issuer, as.issuer);
    const { subject_types_supported, ...same } = oidc;
    assert.deepEqual(same, as, 'the same document where it applies');
    assert.deepEqual(subject_types_supported, ['public']);
    assert.equal(oidc.id_token_signing_alg_values_supported, undefined);
    assert.equal(oidc.userinfo_endpoint, undefined);
    assert.equal(as.scopes_supported, undefined, 'no resource offers a tool: no scope listed');
    assert.equal(as.authorization_response_iss_parameter_supported, true);
  });

  test('with registration off and metadata documents off, the metadata says so', async () => {
    const res = await fetch(`${off.config.issuer}/.well-known/oauth-authorization-server`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    const m = (await res.json()) as Record<string, unknown>;
    assert.equal(m.registration_endpoint, undefined);
    assert.equal(m.client_id_metadata_document_supported, false);
    const register = await fetch(`${off.config.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'] }),
    });
    assert.equal(register.status, 404);
  });
});
