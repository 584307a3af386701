// Shared helpers of the OAuth end-to-end suites (issue 3). Everything talks to a running server
// over HTTP with plain fetch and forms, the way any OAuth client would; nothing here calls
// Mandate's own token code.
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomUUID, type JsonWebKey } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type GenerateKeyPairResult,
} from 'jose';
import type { TestServer } from '../../fakes/server.js';

export type Json = Record<string, unknown>;

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';
export const TOKEN_TYPE = {
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  grant: 'urn:mandate:params:oauth:token-type:grant',
} as const;
/** Where the task tokens of the tests are used (RFC 8707 `resource`). */
export const RESOURCE = 'https://gateway.example.org/';

export interface HttpResult {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or `{}` when the body is not JSON. */
  body: Json;
  text: string;
}

/** The RFC 8693 §2.2.1 success body Mandate sends. */
export interface TokenResponse extends Json {
  access_token: string;
  issued_token_type: string;
  token_type: string;
  expires_in: number;
  scope: string;
  task_id: string;
}

/** The claims of a task token the tests look at (src/oauth/task-token.ts, TaskTokenClaims). */
export interface TaskClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope: string;
  act?: { sub: string; act?: TaskClaims['act'] };
  task_id: string;
  depth: number;
  max_depth: number;
  ancestors: string[];
  cnf?: { jkt: string };
  grant_id?: string;
}

export function claimsOf(token: string): TaskClaims {
  return decodeJwt(token) as unknown as TaskClaims;
}

async function send(url: string, init: RequestInit): Promise<HttpResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Json = {};
  try {
    body = JSON.parse(text) as Json;
  } catch {
    // not JSON: the caller reads `text`
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** A form POST; `form` pairs may repeat a key. Never throws on an error status. */
export function postForm(
  server: TestServer,
  path: string,
  form: URLSearchParams | [string, string][],
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const body = form instanceof URLSearchParams ? form : new URLSearchParams(form);
  return send(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...headers,
    },
    body,
  });
}

/** A JSON API call with the admin token; never throws on an error status. */
export function adminCall(
  server: TestServer,
  method: string,
  path: string,
  json?: unknown,
): Promise<HttpResult> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${server.adminToken}`,
    accept: 'application/json',
  };
  if (json !== undefined) headers['content-type'] = 'application/json';
  return send(`${server.url}${path}`, {
    method,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
}

/** An admin call that must succeed; returns the body. */
export async function adminOk<T = Json>(
  server: TestServer,
  method: string,
  path: string,
  json?: unknown,
): Promise<T> {
  const res = await adminCall(server, method, path, json);
  assert.ok(
    res.status >= 200 && res.status < 300,
    `${method} ${path} answered ${res.status}: ${res.text}`,
  );
  return res.body as T;
}

export interface AgentOptions {
  scopes?: string[];
  requireDpop?: boolean;
  maxDepth?: number;
  maxTtl?: number;
}

/** Registers an agent; returns its SPIFFE ID. */
export async function registerAgent(
  server: TestServer,
  name: string,
  opts: AgentOptions = {},
): Promise<string> {
  const limits = {
    ...(opts.maxDepth !== undefined ? { max_delegation_depth: opts.maxDepth } : {}),
    ...(opts.maxTtl !== undefined ? { max_task_ttl_seconds: opts.maxTtl } : {}),
  };
  const agent = await server.admin.registerAgent({
    name,
    owner: 'e2e@example.org',
    purpose: 'oauth end-to-end test',
    allowed_scopes: opts.scopes ?? ['tool:search', 'tool:fetch', 'tool:github/*'],
    ...(opts.requireDpop !== undefined ? { require_dpop: opts.requireDpop } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  });
  return agent.spiffe_id;
}

/** A fresh JWT-SVID for `agent` (join token + `POST /v1/attest`), by default for the issuer. */
export async function svid(
  server: TestServer,
  agent: string,
  opts: { audience?: string | string[]; ttl?: number } = {},
): Promise<string> {
  const join = await adminOk<{ join_token: string }>(
    server,
    'POST',
    `/v1/agents/${agent}/join-tokens`,
    {},
  );
  const res = await send(`${server.url}/v1/attest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      join_token: join.join_token,
      jwt_svid: {
        audience: opts.audience ?? server.config.issuer,
        ...(opts.ttl !== undefined ? { ttl: opts.ttl } : {}),
      },
    }),
  });
  assert.equal(res.status, 200, res.text);
  return (res.body.jwt_svid as { token: string }).token;
}

/** jwt-spiffe client authentication parameters (draft-ietf-oauth-spiffe-client-auth-02 §3.1). */
export function clientAuth(spiffeId: string, assertion: string): [string, string][] {
  return [
    ['client_id', spiffeId],
    ['client_assertion_type', JWT_SPIFFE],
    ['client_assertion', assertion],
  ];
}

export interface ExchangeOptions {
  /** The client assertion; a fresh SVID of the caller by default. */
  assertion?: string;
  /** A `DPoP` header. */
  dpop?: string;
}

/** A token exchange at `/oauth/token` authenticated as `caller` (agent name); raw answer. */
export async function exchange(
  server: TestServer,
  caller: { name: string; id: string },
  params: [string, string][],
  opts: ExchangeOptions = {},
): Promise<HttpResult> {
  const assertion = opts.assertion ?? (await svid(server, caller.name));
  return postForm(
    server,
    '/oauth/token',
    [['grant_type', TOKEN_EXCHANGE], ...clientAuth(caller.id, assertion), ...params],
    opts.dpop ? { dpop: opts.dpop } : {},
  );
}

export function tokenOk(res: HttpResult): TokenResponse {
  assert.equal(res.status, 200, res.text);
  return res.body as TokenResponse;
}

/** Starts a task as `agent` with its own JWT-SVID as subject_token. */
export async function startTask(
  server: TestServer,
  agent: { name: string; id: string },
  extra: [string, string][] = [['scope', 'tool:search tool:fetch']],
): Promise<TokenResponse> {
  const subject = await svid(server, agent.name);
  return tokenOk(
    await exchange(server, agent, [
      ['subject_token', subject],
      ['subject_token_type', TOKEN_TYPE.jwt],
      ['resource', RESOURCE],
      ...extra,
    ]),
  );
}

/** The current holder of a task token: the agent that may delegate it (`act.sub`, or `sub` at the root). */
export function holderOf(token: string): string {
  const claims = claimsOf(token);
  return claims.act?.sub ?? claims.sub;
}

/**
 * The JWT-SVID a delegate hands to its delegator: audience [issuer, the delegator's SPIFFE ID].
 * The server requires the delegator among the audiences when the parent's holder delegates, so
 * the SVID cannot double as the delegate's client assertion (issuer as the only audience).
 */
export function delegationSvid(
  server: TestServer,
  delegate: string,
  delegator: string,
): Promise<string> {
  return svid(server, delegate, { audience: [server.config.issuer, delegator] });
}

/**
 * Delegation params: subject_token = the parent, actor_token = the delegate's JWT-SVID for
 * [issuer, the parent's holder] (delegationSvid), which serves whether the holder or the delegate
 * asks.
 */
export async function delegateParams(
  server: TestServer,
  parent: string,
  delegate: string,
  extra: [string, string][] = [],
): Promise<[string, string][]> {
  return [
    ['subject_token', parent],
    ['subject_token_type', TOKEN_TYPE.accessToken],
    ['actor_token', await delegationSvid(server, delegate, holderOf(parent))],
    ['actor_token_type', TOKEN_TYPE.jwt],
    ...extra,
  ];
}

/** The parent's holder delegates to `delegate`; must succeed. */
export async function delegate(
  server: TestServer,
  holder: { name: string; id: string },
  parent: string,
  delegateName: string,
  extra: [string, string][] = [],
): Promise<TokenResponse> {
  return tokenOk(
    await exchange(server, holder, await delegateParams(server, parent, delegateName, extra)),
  );
}

export async function addTrustRule(
  server: TestServer,
  from: string,
  to: string,
  maxDepth?: number,
): Promise<string> {
  const rule = await adminOk<{ id: string }>(server, 'POST', '/v1/trust-rules', {
    from,
    to,
    ...(maxDepth !== undefined ? { max_depth: maxDepth } : {}),
  });
  return rule.id;
}

/** Introspection as the admin (`Authorization: Bearer`). */
export async function introspect(server: TestServer, token: string): Promise<Json> {
  const res = await postForm(server, '/oauth/introspect', [['token', token]], {
    authorization: `Bearer ${server.adminToken}`,
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(typeof res.body.active, 'boolean');
  return res.body;
}

export async function isActive(server: TestServer, token: string): Promise<boolean> {
  const info = await introspect(server, token);
  if (!info.active)
    assert.deepEqual(
      info,
      { active: false },
      'an inactive token gets {"active": false} and nothing else',
    );
  return info.active === true;
}

/** Revocation as the admin. */
export async function revoke(server: TestServer, token: string): Promise<void> {
  const res = await postForm(server, '/oauth/revoke', [['token', token]], {
    authorization: `Bearer ${server.adminToken}`,
  });
  assert.equal(res.status, 200, res.text);
}

export async function taskIds(server: TestServer): Promise<string[]> {
  const body = await adminOk<{ tasks: { id: string }[] }>(server, 'GET', '/v1/tasks?limit=1000');
  return body.tasks.map((t) => t.id).sort();
}

export interface AuditLine {
  seq: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  details: Json | null;
}

export async function auditEvents(server: TestServer, afterSeq = 0): Promise<AuditLine[]> {
  const res = await adminCall(server, 'GET', `/v1/audit/events?after_seq=${afterSeq}`);
  assert.equal(res.status, 200, res.text);
  return res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

export async function lastAuditSeq(server: TestServer): Promise<number> {
  const events = await auditEvents(server);
  return events.at(-1)?.seq ?? 0;
}

/** Asserts an RFC 6749 §5.2 error answer; returns its description. */
export function assertOAuthError(res: HttpResult, status: number, error: string): string {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.body.error, error, res.text);
  assert.equal(
    res.headers.get('www-authenticate'),
    null,
    'no challenge on an assertion-authenticated oauth endpoint',
  );
  assert.equal(typeof res.body.error_description, 'string');
  return res.body.error_description as string;
}

/**
 * Runs `attempt` and asserts it is refused with `error` and changes nothing: the task list is
 * the same, no token or task event is written, and the refusal is audited as a denied
 * `token.exchange`. `why` must match the error description. Returns the description.
 */
export async function assertRefusedUnchanged(
  server: TestServer,
  attempt: () => Promise<HttpResult>,
  status: number,
  error: string,
  why?: RegExp,
): Promise<string> {
  const tasksBefore = await taskIds(server);
  const seq = await lastAuditSeq(server);
  const res = await attempt();
  const description = assertOAuthError(res, status, error);
  if (why) assert.match(description, why);
  assert.deepEqual(await taskIds(server), tasksBefore, 'a refused exchange creates no task');
  const events = await auditEvents(server, seq);
  const issued = events.filter((e) => e.action === 'task.start' || e.action === 'token.delegate');
  assert.deepEqual(issued, [], 'a refused exchange issues nothing');
  const denied = events.filter((e) => e.action === 'token.exchange');
  assert.equal(
    denied.length,
    1,
    `one token.exchange refusal audited, got ${JSON.stringify(events)}`,
  );
  assert.equal(denied[0]!.outcome, 'denied');
  assert.equal(denied[0]!.details?.error, error);
  return description;
}

// Forged tokens for the adversarial suites.

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An unsecured JWT (`alg: none`, empty signature). */
export function unsignedJwt(header: Json, payload: Json): string {
  return `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`;
}

/** The key confusion attack: HS256 with the server's public key (as SPKI PEM) as the HMAC secret. */
export function hs256WithPublicKey(publicJwk: Json, header: Json, payload: Json): string {
  const pem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' }).export({
    type: 'spki',
    format: 'pem',
  });
  const input = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}

/** Signed with a key the server has never seen. */
export async function signWithStrangerKey(header: Json, payload: Json): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: 'ES256' }).sign(privateKey);
}

/** The published public key (JWKS) that signed `token`. */
export async function signingJwk(server: TestServer, token: string): Promise<Json> {
  const { kid } = decodeProtectedHeader(token);
  const jwks = (await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {
    keys: Json[];
  };
  const key = jwks.keys.find((k) => k.kid === kid);
  assert.ok(key, `kid ${String(kid)} is not published`);
  return key;
}

/** A DPoP proof (RFC 9449 §4.2) signed by `keyPair` for POST `htu`. */
export async function dpopProof(
  keyPair: GenerateKeyPairResult,
  htu: string,
  claims: Json = {},
): Promise<string> {
  const jwk = await exportJWK(keyPair.publicKey);
  return new SignJWT({
    jti: randomUUID(),
    htm: 'POST',
    htu,
    iat: Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
    .sign(keyPair.privateKey);
}
