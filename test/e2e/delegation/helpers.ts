import { rmSync } from 'node:fs';
import type { Clock } from '../../../src/core/clock.js';
import { loadConfig } from '../../../src/server/config/load.js';
import type { Config } from '../../../src/server/config/defaults.js';
import { startServer, type RunningServer } from '../../../src/server/serve.js';
import { MandateAdminClient } from '../../../src/sdk/admin-client.js';
import { MandateAgent } from '../../../src/sdk/agent.js';
import { tempDataDir, TEST_ADMIN_TOKEN } from '../../fakes/server.js';
import type { Browser } from './browser.js';

/** Where the on-behalf-of task tokens of these suites are used; nothing listens there. */
export const GATEWAY = 'https://gateway.example.org';
export const WEBHOOK_SECRET = 'whsec-e2e-0123456789abcdef';
export const GRANT_TYPE = 'urn:mandate:params:oauth:token-type:grant';
const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';

export interface DelegationServer extends RunningServer {
  config: Config;
  admin: MandateAdminClient;
  adminToken: string;
  stop(): Promise<void>;
}

/**
 * A real Mandate on a loopback port, like test/fakes/server.ts, but with secrets in its
 * environment (the OIDC client secret and the webhook secret are never flags).
 */
export async function startDelegationServer(
  opts: {
    port?: number;
    flags?: Record<string, unknown>;
    env?: Record<string, string>;
    clock?: Clock;
  } = {},
): Promise<DelegationServer> {
  const dataDir = tempDataDir('mandate-delegation-');
  // Port 0 unless given: the server binds first and its issuer names the port it got.
  const port = opts.port ?? 0;
  const config = loadConfig({
    flags: { port, issuer: `http://127.0.0.1:${port}`, dataDir, logLevel: 'silent', ...opts.flags },
    env: { MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...opts.env },
  });
  const server = await startServer(config, {
    ...(opts.clock ? { clock: opts.clock } : {}),
    logger: false,
  });
  return {
    ...server,
    config: server.mandate.config,
    adminToken: TEST_ADMIN_TOKEN,
    admin: new MandateAdminClient({ url: server.url, token: TEST_ADMIN_TOKEN }),
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Registers an agent (owned by `owner`) allowed `scopes`, and attests an instance of it. */
export async function agentFor(
  server: DelegationServer,
  name: string,
  owner: string,
  scopes: string[],
): Promise<MandateAgent> {
  await server.admin.registerAgent({
    name,
    owner,
    purpose: `the ${name} agent`,
    allowed_scopes: scopes,
  });
  return attestAgain(server, name);
}

export async function attestAgain(server: DelegationServer, name: string): Promise<MandateAgent> {
  const { join_token } = await server.admin.createJoinToken(name);
  const agent = new MandateAgent({ url: server.url });
  await agent.attest({ joinToken: join_token });
  return agent;
}

export interface Answer {
  status: number;
  json: Record<string, unknown>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A form the agent posts with a fresh single-use client assertion (its JWT-SVID for the issuer). */
export async function agentForm(
  server: DelegationServer,
  agent: MandateAgent,
  path: string,
  fields: Record<string, string>,
): Promise<Answer> {
  const assertion = await agent.svidFor(server.config.issuer);
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...fields,
      client_assertion_type: JWT_SPIFFE,
      client_assertion: assertion,
    }),
  });
  return answer(res);
}

/** The agent asks `owner` for `scopes` for `duration` seconds. */
export function requestGrant(
  server: DelegationServer,
  agent: MandateAgent,
  owner: string,
  scopes: string[],
  duration: number,
  purpose = 'triage the inbox',
): Promise<Answer> {
  return agentForm(server, agent, '/v1/grant-requests', {
    owner,
    scope: scopes.join(' '),
    purpose,
    duration: String(duration),
  });
}

/** RFC 8693 on-behalf-of: subject_token = the grant id. */
export function exchangeGrant(
  server: DelegationServer,
  agent: MandateAgent,
  grantId: string,
  scopes?: string[],
): Promise<Answer> {
  return agentForm(server, agent, '/oauth/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: grantId,
    subject_token_type: GRANT_TYPE,
    resource: GATEWAY,
    ...(scopes ? { scope: scopes.join(' ') } : {}),
  });
}

/** A JSON API call as the signed-in human of `browser` (their session cookie, this origin). */
export async function asHuman(
  server: DelegationServer,
  browser: Browser,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      cookie: browser.cookieHeader(`${server.url}${path}`),
      origin: server.config.issuer,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return answer(res);
}

export async function asAdmin(
  server: DelegationServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return answer(res);
}

/** The enforcement point's question for one call (POST /v1/authorize with the admin token). */
export async function authorize(
  server: DelegationServer,
  token: string,
  tool: string,
  args: Record<string, unknown> = {},
  approved = false,
): Promise<Record<string, unknown>> {
  const r = await asAdmin(server, 'POST', '/v1/authorize', {
    token,
    audience: GATEWAY,
    tool,
    arguments: args,
    ...(approved ? { approved: true } : {}),
  });
  if (r.status !== 200)
    throw new Error(`authorize answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json;
}

/** The catalog these suites call: a mailbox with a read, a send and a destructive delete. */
export async function mailTools(server: DelegationServer): Promise<void> {
  const s = { type: 'object', properties: { id: { type: 'string' } } };
  const r = await asAdmin(server, 'PUT', '/v1/tools/mail', {
    tools: [
      { name: 'read', inputSchema: s },
      { name: 'send', inputSchema: s },
      { name: 'delete', inputSchema: s },
    ],
    annotations: {
      read: { sideEffect: 'read', classification: 'internal', destinations: [] },
      send: { sideEffect: 'write', classification: 'internal', destinations: [] },
      delete: { sideEffect: 'destructive', classification: 'internal', destinations: [] },
    },
  });
  if (r.status !== 200)
    throw new Error(`PUT /v1/tools/mail answered ${r.status}: ${JSON.stringify(r.json)}`);
}

export async function auditEvents(server: DelegationServer): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${server.url}/v1/audit/events`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
