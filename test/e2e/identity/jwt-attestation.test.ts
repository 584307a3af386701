// JWT attestation against a real identity provider: oidc-provider on a loopback port issues
// RFC 9068 JWT access tokens (client_credentials + a resource indicator); Mandate trusts it via
// its jwks_uri and maps the `client_id` claim to an agent.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  SignJWT,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import Provider from 'oidc-provider';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  admin,
  assertProblem,
  attest,
  auditExport,
  discover,
  getJson,
  registerAgent,
  type AttestResponse,
  type HttpResult,
} from './helpers.js';

const CLIENT = { id: 'ci-runner', secret: 'ci-runner-secret-0123456789' };
const STRANGER = { id: 'stranger', secret: 'stranger-secret-0123456789' };
const TOKEN_TTL = 60;
const SVID = { jwt_svid: { audience: 'https://tools.example.org' } };

interface Idp {
  issuer: string;
  jwksUri: string;
  close(): Promise<void>;
}

/** oidc-provider on 127.0.0.1, with two client_credentials clients and JWT access tokens. */
async function startIdp(): Promise<Idp> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: 'idp-key-1',
    alg: 'ES256',
    use: 'sig',
  };
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client = (c: typeof CLIENT) => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'ES256',
  });
  const provider = new Provider(issuer, {
    clients: [client(CLIENT), client(STRANGER)],
    jwks: { keys: [signingKey] },
    ttl: { ClientCredentials: TOKEN_TTL },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 8707: the resource becomes the token's `aud`, and the token is a JWT (RFC 9068).
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: 'attest',
          audience: resource,
          accessTokenFormat: 'jwt',
          accessTokenTTL: TOKEN_TTL,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  http.on('request', provider.callback());
  const discovery = await getJson<{ issuer: string; jwks_uri: string }>(
    `${issuer}/.well-known/openid-configuration`,
  );
  assert.equal(discovery.issuer, issuer);
  return {
    issuer,
    jwksUri: discovery.jwks_uri,
    close: () =>
      new Promise<void>((resolve, reject) => http.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** An access token from the provider's token endpoint (client_credentials grant). */
async function accessToken(idp: Idp, client: typeof CLIENT, resource: string): Promise<string> {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      resource,
      scope: 'attest',
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(body.access_token);
  return body.access_token;
}

function assertFailed(res: HttpResult<unknown>, reason: string): void {
  assert.equal(assertProblem(res, 401, 'attestation_failed').reason, reason, res.text);
}

describe('jwt attestation against oidc-provider', () => {
  // Mandate's clock follows the real time (the provider's) unless a test moves it.
  const clock = new ManualClock(Date.now());
  let idp: Idp;
  let server: TestServer;
  let audience: string;
  const tokens: string[] = [];

  /** Attests with a JWT at the real time. */
  function attestJwt(token: string): Promise<HttpResult<AttestResponse>> {
    tokens.push(token);
    clock.set(Date.now());
    return attest(server, { attestation_jwt: token, ...SVID });
  }

  before(async () => {
    idp = await startIdp();
    server = await startTestServer({ clock });
    audience = server.url;
    await registerAgent(server, 'ci-agent');
    await admin(server, 'POST', '/v1/trusted-issuers', {
      issuer: idp.issuer,
      jwks_uri: idp.jwksUri,
      audience,
      rules: [{ match: { client_id: CLIENT.id }, agent: 'ci-agent' }],
    });
  });
  after(async () => {
    await server?.stop();
    await idp?.close();
  });

  it('gives a valid provider token the svid of the mapped agent', async () => {
    const token = await accessToken(idp, CLIENT, audience);
    assert.equal(
      decodeProtectedHeader(token).typ,
      'at+jwt',
      'the provider issued a jwt access token',
    );
    assert.equal(decodeJwt(token).aud, audience);
    const res = await attestJwt(token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.agent, 'ci-agent');
    assert.equal(res.body.spiffe_id, 'spiffe://mandate.local/agent/ci-agent');
    const svid = res.body.jwt_svid!.token;
    tokens.push(svid);
    const jwks = createRemoteJWKSet(new URL((await discover(server.url)).jwks_uri));
    const { payload } = await jwtVerify(svid, jwks, {
      audience: SVID.jwt_svid.audience,
      algorithms: ['ES256'],
    });
    assert.equal(payload.sub, 'spiffe://mandate.local/agent/ci-agent');
    // A provider token is not single-use like a join token: it attests until it expires.
    assert.equal((await attestJwt(token)).status, 200);
  });

  it('refuses an expired provider token', async () => {
    const token = await accessToken(idp, CLIENT, audience);
    tokens.push(token);
    // Past `exp` and Mandate's clock tolerance (30 s).
    clock.set((decodeJwt(token).exp! + 60) * 1000);
    assertFailed(await attest(server, { attestation_jwt: token, ...SVID }), 'expired');
  });

  it('refuses a token issued for another audience', async () => {
    assertFailed(
      await attestJwt(await accessToken(idp, CLIENT, 'https://other-service.example.org')),
      'wrong_audience',
    );
  });

  it('refuses a token whose kid is not in the provider jwks', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ client_id: CLIENT.id, scope: 'attest' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'rogue-key' })
      .setIssuer(idp.issuer)
      .setSubject(CLIENT.id)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1m')
      .setJti('forged-1')
      .sign(privateKey);
    assertFailed(await attestJwt(forged), 'unknown_kid');
  });

  it('refuses a token signed by another key under the provider kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const genuine = decodeJwt(await accessToken(idp, CLIENT, audience));
    const forged = await new SignJWT(genuine)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'idp-key-1' })
      .sign(privateKey);
    assertFailed(await attestJwt(forged), 'bad_signature');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const genuine = decodeJwt(await accessToken(idp, CLIENT, audience));
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    assertFailed(
      await attestJwt(`${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(genuine)}.`),
      'alg_not_allowed',
    );
  });

  it('refuses a token of an issuer it does not trust', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ client_id: CLIENT.id })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer('https://untrusted.example.org')
      .setSubject(CLIENT.id)
      .setAudience(audience)
      .setExpirationTime('1m')
      .sign(privateKey);
    assertFailed(await attestJwt(token), 'unknown_issuer');
  });

  it('refuses a valid token that no claim rule maps to an agent', async () => {
    assertFailed(await attestJwt(await accessToken(idp, STRANGER, audience)), 'no_matching_rule');
  });

  it('audits the failures with their reasons and never the tokens', async () => {
    const { text, events } = await auditExport(server);
    const failures = events.filter(
      (e) => e.action === 'agent.attest' && e.outcome === 'failure' && e.details?.method === 'jwt',
    );
    const reasons = new Set(failures.map((e) => e.details?.reason));
    for (const reason of [
      'expired',
      'wrong_audience',
      'unknown_kid',
      'bad_signature',
      'alg_not_allowed',
      'unknown_issuer',
      'no_matching_rule',
    ]) {
      assert.ok(reasons.has(reason), `no audited failure with reason ${reason}`);
    }
    assert.ok(tokens.length >= 8);
    for (const token of tokens)
      assert.ok(!text.includes(token), 'the audit export contains a token');
    for (const token of tokens)
      assert.ok(
        !text.includes(token.split('.')[2] || token),
        'the audit export contains a token signature',
      );
  });
});
