// Shared helpers of the identity end-to-end suites. Everything here talks to a running server
// over HTTP (fetch) or to openssl; nothing verifies with Mandate's own code.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../../fakes/server.js';

export type Json = Record<string, unknown>;

export interface HttpResult<T = Json> {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or `{}` when the body is not JSON. */
  body: T;
  text: string;
}

/** An RFC 9457 problem document as Mandate sends it. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  reason?: string;
}

export interface AttestResponse {
  agent: string;
  spiffe_id: string;
  jwt_svid?: { token: string; expires_at: string };
  x509_svid?: { cert_chain: string[]; bundle: string[]; expires_at: string };
}

export interface ServerMetadata {
  issuer: string;
  jwks_uri: string;
  spiffe_bundle_endpoint: string;
  spiffe_trust_domain: string;
}

export interface BundleKey extends Json {
  kty: string;
  use: string;
  kid?: string;
  x5c?: string[];
}

export interface SpiffeBundleBody {
  keys: BundleKey[];
  spiffe_sequence: number;
  spiffe_refresh_hint: number;
}

export interface RequestOptions {
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, with `content-type: application/json`. */
  raw?: string;
  /** A bearer token for `authorization`. */
  token?: string;
  headers?: Record<string, string>;
}

/** One HTTP request; never throws on an error status. */
export async function request<T = Json>(
  base: string,
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.json !== undefined || opts.raw !== undefined) {
    headers['content-type'] = 'application/json';
    body = opts.raw ?? JSON.stringify(opts.json);
  }
  const res = await fetch(new URL(path, base), {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, JSONL): the caller reads `text`
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** An admin call that must succeed; returns the parsed body. */
export async function admin<T = Json>(
  server: TestServer,
  method: string,
  path: string,
  json?: unknown,
): Promise<T> {
  const res = await request<T>(server.url, method, path, {
    token: server.adminToken,
    ...(json !== undefined ? { json } : {}),
  });
  assert.ok(
    res.status >= 200 && res.status < 300,
    `${method} ${path} answered ${res.status}: ${res.text}`,
  );
  return res.body;
}

/** Asserts an RFC 9457 problem answer with Mandate's `code`; returns the problem. */
export function assertProblem(res: HttpResult<unknown>, status: number, code: string): ProblemBody {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = res.body as ProblemBody;
  assert.equal(problem.code, code, res.text);
  assert.equal(problem.status, status);
  assert.equal(typeof problem.detail, 'string');
  assert.equal(problem.request_id, res.headers.get('x-request-id'));
  return problem;
}

/** Registers an agent; returns its SPIFFE ID. */
export async function registerAgent(server: TestServer, name: string): Promise<string> {
  const agent = await admin<{ spiffe_id: string }>(server, 'POST', '/v1/agents', {
    name,
    owner: 'e2e@example.org',
    purpose: 'end-to-end test',
  });
  return agent.spiffe_id;
}

/** A fresh one-time join token for `agent`. */
export async function joinToken(server: TestServer, agent: string, ttl?: number): Promise<string> {
  const created = await admin<{ join_token: string }>(
    server,
    'POST',
    `/v1/agents/${agent}/join-tokens`,
    ttl === undefined ? {} : { ttl },
  );
  return created.join_token;
}

/** `POST /v1/attest`, unauthenticated as an agent instance would call it. */
export function attest(server: TestServer, body: Json): Promise<HttpResult<AttestResponse>> {
  return request<AttestResponse>(server.url, 'POST', '/v1/attest', { json: body });
}

/** Attests `agent` with a new join token and returns its JWT-SVID. */
export async function issueJwtSvid(
  server: TestServer,
  agent: string,
  audience: string | string[],
  ttl?: number,
): Promise<string> {
  const res = await attest(server, {
    join_token: await joinToken(server, agent),
    jwt_svid: { audience, ...(ttl !== undefined ? { ttl } : {}) },
  });
  assert.equal(res.status, 200, res.text);
  assert.ok(res.body.jwt_svid, 'no jwt_svid in the answer');
  return res.body.jwt_svid.token;
}

/** RFC 8414 metadata, fetched over HTTP. */
export async function discover(base: string): Promise<ServerMetadata> {
  const res = await request<ServerMetadata>(base, 'GET', '/.well-known/oauth-authorization-server');
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** GETs a URL that must answer 200 JSON. */
export async function getJson<T = Json>(url: string): Promise<T> {
  const res = await request<T>(url, 'GET', '');
  assert.equal(res.status, 200, `GET ${url} answered ${res.status}: ${res.text}`);
  return res.body;
}

export async function jwksKids(jwksUri: string): Promise<string[]> {
  return (await getJson<{ keys: { kid: string }[] }>(jwksUri)).keys.map((k) => k.kid);
}

export interface AuditLine {
  seq: number;
  actor: string;
  action: string;
  target: string;
  outcome: 'success' | 'failure';
  request_id: string | null;
  details: Json | null;
}

/** The audit export (`GET /v1/audit/events`): the raw JSONL and its parsed events. */
export async function auditExport(
  server: TestServer,
): Promise<{ text: string; events: AuditLine[] }> {
  const res = await request(server.url, 'GET', '/v1/audit/events', { token: server.adminToken });
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const events = res.text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditLine);
  return { text: res.text, events };
}

/** A temporary directory; remove it with `removeDir`. */
export function scratchDir(prefix = 'mandate-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs openssl with `args`; never throws on a non-zero exit. */
export function openssl(args: string[], cwd?: string): CommandResult {
  const r = spawnSync('openssl', args, { encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs openssl and requires exit status 0; returns stdout. */
export function opensslOk(args: string[], cwd?: string): string {
  const r = openssl(args, cwd);
  assert.equal(r.status, 0, `openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}
