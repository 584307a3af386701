// Everything an MCP host suite runs against, on loopback: the mail MCP server upstream, Mandate with
// its MCP gateway in front of it (on the suite's clock), the host's HTTPS website publishing its
// client ID metadata document (a test CA that Mandate trusts through `clientMetadataCa`, and
// 127.0.0.1 allowed through `allowedInternalDestinations`), and optionally the organisation's
// identity provider for human sign-in.
import { rmSync } from 'node:fs';
import type { ManualClock } from '../../../src/core/clock.js';
import type { Config } from '../../../src/server/config/defaults.js';
import { loadConfig } from '../../../src/server/config/load.js';
import { startServer, type RunningServer } from '../../../src/server/serve.js';
import { tempDataDir, TEST_ADMIN_TOKEN } from '../../fakes/server.js';
import { startMailServer, type MailServer } from '../../fixtures/mcp-servers/mail.js';
import { startIdp, type Idp } from '../delegation/idp.js';
import { MAIL_ANNOTATIONS } from '../gateway/helpers.js';
import { startMetadataHost, type MetadataHost } from './metadata-host.js';
import { createTestCa, type TestCa } from './test-ca.js';

export type Json = Record<string, unknown>;

export interface ClientsEnv {
  server: RunningServer;
  config: Config;
  adminToken: string;
  /** The gateway's MCP endpoint (the `resource` of every token the hosts get). */
  mcpUrl: string;
  mail: MailServer;
  ca: TestCa;
  /** The MCP host's website. */
  website: MetadataHost;
  idp: Idp | undefined;
  stop(): Promise<void>;
}

/** Starts the world. `oidc`: sign humans in through a real identity provider (else the admin only). */
export async function startClientsEnv(opts: {
  clock: ManualClock;
  oidc?: boolean;
  flags?: Json;
}): Promise<ClientsEnv> {
  const mail = await startMailServer();
  const ca = await createTestCa();
  const website = await startMetadataHost(ca);
  // Mandate listens on port 0; the identity provider builds its client (with Mandate's callback)
  // at its first request, by when Mandate's URL is known.
  const mandateUrl = { href: '' };
  const idp = opts.oidc
    ? await startIdp({ redirectUri: () => `${mandateUrl.href}/auth/callback`, groups: {} })
    : undefined;
  const dataDir = tempDataDir('mandate-clients-');
  const config = loadConfig({
    flags: {
      port: 0,
      issuer: 'http://127.0.0.1:0',
      dataDir,
      logLevel: 'silent',
      clientMetadataCa: ca.certPem,
      allowedInternalDestinations: ['127.0.0.1'],
      ...(idp
        ? { oidcIssuer: idp.issuer, oidcClientId: idp.clientId, oidcScopes: 'openid email' }
        : {}),
      gateway: {
        upstreams: [
          {
            name: 'mail',
            transport: 'http',
            url: mail.url,
            annotations: MAIL_ANNOTATIONS,
          },
        ],
      },
      ...opts.flags,
    },
    env: {
      MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...(idp ? { MANDATE_OIDC_CLIENT_SECRET: idp.clientSecret } : {}),
    },
  });
  const running = await startServer(config, { clock: opts.clock, logger: false });
  mandateUrl.href = running.url;
  return {
    server: running,
    config: running.mandate.config,
    adminToken: TEST_ADMIN_TOKEN,
    mcpUrl: `${running.url}/mcp`,
    mail,
    ca,
    website,
    idp,
    async stop() {
      await running.close();
      await website.close();
      await mail.close();
      await idp?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A client ID metadata document for a host whose loopback redirect is on any port (RFC 8252 §7.3). */
export function hostDocument(clientId: string, name: string, extra: Json = {}): Json {
  return {
    client_id: clientId,
    client_name: name,
    client_uri: 'https://host.example/',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...extra,
  };
}

/** The claims of a JWT, unverified (the suites read what Mandate issued, they do not trust it). */
export function claimsOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Json;
}

/** The admin API, as JSON. */
export async function asAdmin(
  env: ClientsEnv,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${env.server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${env.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}

/** The audit log, parsed. */
export async function auditEvents(env: ClientsEnv): Promise<Json[]> {
  const res = await fetch(`${env.server.url}/v1/audit/events`, {
    headers: { authorization: `Bearer ${env.adminToken}` },
  });
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Json);
}
