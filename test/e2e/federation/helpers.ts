// Helpers of the federation end-to-end suite: OAuth calls over HTTP to real servers, JWT-SVIDs
// forged with keys the test controls, and a SPIFFE bundle endpoint whose bundle the test sets.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { TestServer } from '../../fakes/server.js';
import { admin, issueJwtSvid } from '../identity/helpers.js';

export { admin, assertProblem, request } from '../identity/helpers.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';
export const RESOURCE = 'https://gateway.example.org';

export interface TokenAnswer {
  status: number;
  body: {
    access_token?: string;
    error?: string;
    error_description?: string;
    scope?: string;
    task_id?: string;
  };
}

export interface FederatedDomain {
  trust_domain: string;
  bundle_endpoint: string | null;
  keys: number;
  spiffe_sequence: number | null;
}

/**
 * A JWT-SVID of `agent` from `server`, for `audience` (a fresh join token each time). An actor
 * token for a delegation the holder asks for names the holder too: [issuer, holder].
 */
export function svid(
  server: TestServer,
  agent: string,
  audience: string | string[],
): Promise<string> {
  return issueJwtSvid(server, agent, audience, 120);
}

/** Registers an agent that may hold `tool:*`; returns its SPIFFE ID. */
export async function registerToolAgent(server: TestServer, name: string): Promise<string> {
  const agent = await admin<{ spiffe_id: string }>(server, 'POST', '/v1/agents', {
    name,
    owner: 'e2e@example.org',
    purpose: 'federation test',
    allowed_scopes: ['tool:*'],
  });
  return agent.spiffe_id;
}

/** POSTs a form to the token endpoint of `server`; never throws on an error status. */
export async function tokenRequest(
  server: TestServer,
  form: Record<string, string>,
): Promise<TokenAnswer> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as TokenAnswer['body'] };
}

/** The client-authentication part of a token request, with `assertion` as the JWT-SVID. */
export function clientAuth(assertion: string): Record<string, string> {
  return { client_assertion_type: JWT_SPIFFE, client_assertion: assertion };
}

/** `agent` (registered on `server`) starts a task on `server`; returns the task token. */
export async function startTask(server: TestServer, agent: string, scope: string): Promise<string> {
  const aud = server.config.issuer;
  const res = await tokenRequest(server, {
    grant_type: TOKEN_EXCHANGE,
    ...clientAuth(await svid(server, agent, aud)),
    subject_token: await svid(server, agent, aud),
    subject_token_type: JWT_TYPE,
    scope,
    resource: RESOURCE,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.access_token);
  return res.body.access_token;
}

/**
 * The holder (`agent`, local to `server`) delegates `parent` to the owner of `actorToken`, whose
 * audience must be [server's issuer, the holder's SPIFFE ID].
 */
export async function delegate(
  server: TestServer,
  agent: string,
  parent: string,
  actorToken: string,
  scope?: string,
): Promise<TokenAnswer> {
  return tokenRequest(server, {
    grant_type: TOKEN_EXCHANGE,
    ...clientAuth(await svid(server, agent, server.config.issuer)),
    subject_token: parent,
    subject_token_type: ACCESS_TOKEN_TYPE,
    actor_token: actorToken,
    actor_token_type: JWT_TYPE,
    ...(scope ? { scope } : {}),
  });
}

/** Asserts an RFC 6749 §5.2 error whose description matches `description`. */
export function assertOAuthError(
  res: TokenAnswer,
  status: number,
  error: string,
  description: RegExp,
): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.match(res.body.error_description ?? '', description);
  assert.equal(res.body.access_token, undefined);
}

/** Adds a trust rule on `server`; returns its id. */
export async function addRule(
  server: TestServer,
  rule: { from: string; to: string; cross_domain?: boolean },
): Promise<string> {
  return (await admin<{ id: string }>(server, 'POST', '/v1/trust-rules', rule)).id;
}

export async function federate(
  server: TestServer,
  body: Record<string, unknown>,
): Promise<FederatedDomain> {
  return admin<FederatedDomain>(server, 'POST', '/v1/federation', body);
}

export async function federatedDomains(server: TestServer): Promise<FederatedDomain[]> {
  return (await admin<{ domains: FederatedDomain[] }>(server, 'GET', '/v1/federation')).domains;
}

/** A signing key the test controls, with its public JWK as a SPIFFE bundle publishes it. */
export interface ForgeKey {
  privateKey: CryptoKey;
  kid: string;
  bundleJwk: JWK;
}

export async function forgeKey(kid: string): Promise<ForgeKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, kid, bundleJwk: { ...(await exportJWK(publicKey)), kid, use: 'jwt-svid' } };
}

/** A JWT-SVID for `sub` and `aud`, signed by `key` (header kid = `kid`, the key's own by default). */
export function forgeSvid(
  key: ForgeKey,
  sub: string,
  aud: string | string[],
  kid = key.kid,
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid })
    .setSubject(sub)
    .setAudience(aud)
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}

export function decodePayload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** A SPIFFE bundle endpoint on loopback that serves whatever bundle the test sets. */
export class BundleEndpoint {
  bundle: Record<string, unknown> = { keys: [] };
  url = '';
  private readonly server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(this.bundle));
  });

  static async start(): Promise<BundleEndpoint> {
    const endpoint = new BundleEndpoint();
    await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
    endpoint.url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}/bundle`;
    return endpoint;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
