import { z } from 'zod';
import { JWT_SVID_ALGS, TOKEN_ALGS } from '../../identity/keys/algorithms.js';
import { parseTrustDomain } from '../../core/spiffe-id.js';
import { parseGatewayConfig, type GatewayConfig } from '../../gateway/mcp/config.js';
import { parseProxyConfig, type ProxyConfig } from '../../gateway/http-proxy/config.js';
import { parseSignalsConfig, type SignalsConfig } from '../../session/signal-config.js';
import { normalizeHost } from '../../core/host.js';
import { compileAllowList } from '../../policy/destinations/classify.js';

/**
 * Every setting of `mandate serve`, the single source of truth: its default, what it
 * accepts, and what it does. Precedence: command-line flag (`--kebab-case`) > environment
 * (`MANDATE_UPPER_SNAKE`) > config file (`--config`, JSON with these camelCase keys) > default.
 * docs/configuration.md is generated from this table (scripts/gen-config-docs.ts) and a test
 * keeps the two in step.
 */
export interface Setting<T> {
  default: T | undefined;
  schema: z.ZodType<T>;
  /** What a valid value looks like, for error messages. */
  expected: string;
  doc: string;
  /** Secrets are read from the environment or the config file only, never from a flag. */
  secret?: boolean;
}

// A number, or a string of digits (flags and env are strings): z.coerce alone reads ' ', null, false and [] as 0.
const int = (min: number, max: number) =>
  z
    .union([z.number(), z.string().trim().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().min(min).max(max));
const seconds = (max: number) => int(1, max);
const trustDomain = z.string().refine((v) => {
  try {
    parseTrustDomain(v);
    return true;
  } catch {
    return false;
  }
});
const httpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash;
  } catch {
    return false;
  }
});

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export const settings = {
  host: setting({
    default: '127.0.0.1',
    schema: z.string().min(1),
    expected: 'a host name or IP address to listen on',
    doc: 'Address the HTTP server binds. Use 0.0.0.0 to accept connections from other hosts.',
  }),
  port: setting({
    default: 8080,
    schema: int(0, 65535),
    expected: 'an integer from 0 to 65535',
    doc: 'TCP port of the HTTP server (0 picks a free port).',
  }),
  dataDir: setting({
    default: './.mandate',
    schema: z.string().min(1),
    expected: 'a directory path',
    doc: 'Directory for the SQLite database, the generated master key and the generated admin token.',
  }),
  trustDomain: setting({
    default: 'mandate.local',
    schema: trustDomain,
    expected: 'a lowercase trust domain name (a-z 0-9 . - _), e.g. example.org',
    doc: 'The SPIFFE trust domain: agents are spiffe://<trust-domain>/agent/<name>.',
  }),
  issuer: setting({
    default: undefined,
    schema: httpUrl,
    expected: 'an http(s) URL without query or fragment, e.g. https://mandate.example.org',
    doc: 'The public base URL of this server; JWT `iss` and metadata URLs derive from it. Default: http://localhost:<port>.',
  }),
  tlsCert: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: 'a path to a PEM certificate (chain)',
    doc: 'Serve HTTPS with this certificate; clients may then authenticate with their X.509-SVID (mutual TLS).',
  }),
  tlsKey: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: 'a path to a PEM private key',
    doc: 'Private key of `tlsCert`.',
  }),
  logLevel: setting({
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    expected: 'one of fatal, error, warn, info, debug, trace, silent',
    doc: 'pino log level.',
  }),
  jwtAlg: setting({
    default: 'ES256',
    schema: z.enum(TOKEN_ALGS),
    expected: `one of ${TOKEN_ALGS.join(', ')}`,
    doc: 'Algorithm of the keys that sign access tokens and audit checkpoints.',
  }),
  jwtSvidAlg: setting({
    default: 'ES256',
    schema: z.enum(JWT_SVID_ALGS),
    expected: `one of ${JWT_SVID_ALGS.join(', ')} (the JWT-SVID spec forbids EdDSA)`,
    doc: 'Algorithm of the keys that sign JWT-SVIDs.',
  }),
  jwtSvidTtl: setting({
    default: 300,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: 'Default lifetime of a JWT-SVID.',
  }),
  jwtSvidMaxTtl: setting({
    default: 3600,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: 'Longest JWT-SVID a caller may ask for.',
  }),
  x509SvidTtl: setting({
    default: 3600,
    schema: seconds(7 * 86_400),
    expected: 'seconds, 1 to 604800',
    doc: 'Default lifetime of an X.509-SVID.',
  }),
  x509SvidMaxTtl: setting({
    default: 86_400,
    schema: seconds(7 * 86_400),
    expected: 'seconds, 1 to 604800',
    doc: 'Longest X.509-SVID a caller may ask for.',
  }),
  caTtl: setting({
    default: 365 * 86_400,
    schema: seconds(10 * 365 * 86_400),
    expected: 'seconds, up to ten years',
    doc: 'Lifetime of the X.509 CA created at first start.',
  }),
  caUpstreamCert: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: 'a path to a PEM certificate',
    doc: "Operator CA certificate: when set (with caUpstreamKey), Mandate's CA is an intermediate under it.",
  }),
  caUpstreamKey: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: 'a path to a PKCS#8 PEM private key',
    doc: "Private key of the operator CA (read once at first start to sign Mandate's intermediate).",
  }),
  caUpstreamChain: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: 'a path to PEM certificates',
    doc: 'Certificates above the operator CA, up to its root.',
  }),
  joinTokenTtl: setting({
    default: 600,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: 'Lifetime of a join token.',
  }),
  bundleRefreshHint: setting({
    default: 300,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: '`spiffe_refresh_hint` of the published SPIFFE bundle.',
  }),
  auditCheckpointInterval: setting({
    default: 60,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: 'How often the audit log head is sealed with a signed checkpoint.',
  }),
  auditRetention: setting({
    default: 7 * 86_400,
    schema: int(0, 10 * 365 * 86_400),
    expected: 'seconds, 0 to ten years (0: never archive)',
    doc: 'Audit events older than this, sealed by a signed checkpoint, are archived to <dataDir>/audit-archive (JSON Lines plus the checkpoint JWS) and deleted from the database; `mandate audit verify --archives` checks the archives. 0 keeps every event in the database (docs/operations.md).',
  }),
  retentionExpired: setting({
    default: 86_400,
    schema: int(0, 365 * 86_400),
    expected: 'seconds, 0 to 31536000',
    doc: 'How long expired or ended records (task tokens and their delegation edges, tasks and their session state, credential records, join tokens, approvals, grant requests, grants, human sessions, signals) are kept after their expiry plus the 300 s revocation tolerance, before retention deletes them.',
  }),
  retentionInterval: setting({
    default: 300,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: 'How often retention runs (expired records, then the audit archive); each run that deletes anything writes one `retention.prune` audit event with the counts.',
  }),
  retentionBatch: setting({
    default: 1000,
    schema: int(1, 100_000),
    expected: 'an integer from 1 to 100000',
    doc: 'Rows retention deletes per transaction; between batches other writes go first, so a run never holds the write lock long.',
  }),
  agentMaxTaskTtl: setting({
    default: 3600,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: 'Default task-token lifetime limit for agents registered without one.',
  }),
  agentMaxDelegationDepth: setting({
    default: 3,
    schema: int(0, 16),
    expected: 'an integer from 0 to 16',
    doc: 'Default delegation depth limit for agents registered without one.',
  }),
  taskTokenMaxTtl: setting({
    default: 900,
    schema: seconds(86_400),
    expected: 'seconds, 1 to 86400',
    doc: "Longest task token the token endpoint issues, whatever the agent's own limit.",
  }),
  clientAssertionMaxLifetime: setting({
    default: 300,
    schema: seconds(3600),
    expected: 'seconds, 1 to 3600',
    doc: 'A JWT-SVID client assertion must expire within this many seconds from now.',
  }),
  dpopRequired: setting({
    default: false,
    schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    expected: 'true or false',
    doc: 'Require DPoP-bound task tokens for every agent (agents can also require it one by one).',
  }),
  approvalTtl: setting({
    default: 900,
    schema: seconds(7 * 86_400),
    expected: 'seconds, 1 to 604800',
    doc: 'How long a per-call approval stays pending, and once approved, usable.',
  }),
  sessionCacheSize: setting({
    default: 10_000,
    schema: int(1, 1_000_000),
    expected: 'an integer from 1 to 1000000',
    doc: 'Task session states (taint, tools called, external hosts, counters) held in memory; the least recently used leaves beyond. Every session is also stored with its task, so one that left memory, or was held before a restart, is read back before its next call is decided; one that cannot be read counts as tainted at `restricted` (docs/policy.md).',
  }),
  eventsHeartbeat: setting({
    default: 5,
    schema: seconds(300),
    expected: 'seconds, 1 to 300',
    doc: 'How often GET /v1/events sends a heartbeat (with the current seq); an enforcement point that hears nothing for its `maxStalenessMs` fails closed. Also how often the revocation feed is re-read from the store.',
  }),
  eventsHistory: setting({
    default: 10_000,
    schema: int(0, 1_000_000),
    expected: 'an integer from 0 to 1000000',
    doc: 'Revocation events kept in memory so that a stream reconnecting with `Last-Event-ID` gets only what it missed; an older `Last-Event-ID` gets a fresh snapshot.',
  }),
  eventsMaxSubscribers: setting({
    default: 256,
    schema: int(1, 100_000),
    expected: 'an integer from 1 to 100000',
    doc: 'Open GET /v1/events streams at most; beyond, a new one is refused with 503 and `Retry-After`.',
  }),
  eventsRetry: setting({
    default: 2,
    schema: seconds(3600),
    expected: 'seconds, 1 to 3600',
    doc: 'The SSE `retry:` hint GET /v1/events sends: how long a client waits before reconnecting.',
  }),
  dpopNonce: setting({
    default: false,
    schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    expected: 'true or false',
    doc: 'Require a server-issued DPoP nonce in proofs at the token endpoint (RFC 9449 §8).',
  }),
  gateway: setting<GatewayConfig>({
    default: undefined,
    schema: z.unknown().transform(parseGatewayConfig),
    expected:
      'an object (in the config file), JSON text, or a path to a JSON file, as docs/gateway.md describes',
    doc: 'The MCP gateway at /mcp: its upstream MCP servers (`upstreams`), `resource`, DPoP, origins and session limits (each field and its default below). Unset: no gateway (/mcp answers 404).',
  }),
  proxy: setting<ProxyConfig>({
    default: undefined,
    schema: z.unknown().transform(parseProxyConfig),
    expected:
      'an object (in the config file), JSON text, or a path to a JSON file, as docs/proxy.md describes',
    doc: "The HTTP proxy for plain APIs at /proxy/<service>/...: each service's `upstream`, brokered `credential`, allowed `routes` (method + path → catalog tool), per-agent `rateLimit` and `timeoutMs` (each field and its default below). Unset: no proxy (/proxy answers 404).",
  }),
  signals: setting<SignalsConfig>({
    default: undefined,
    schema: z.unknown().transform(parseSignalsConfig),
    expected:
      'an object (in the config file), JSON text, or a path to a JSON file, as docs/signals.md describes',
    doc: "Risk signals: the built-in detectors (`detectors`: thresholds, risk, extra responses, lifetime), the risk `ladder` of responses, per-agent response `rules`, the tools each task `purposes` declares (a task gets its agent's registered purpose or a narrowing listed here), outside signal `sources` (name and token SHA-256), the bounds of the signal book (`maxSignalsPerSubject`, `maxSubjects`, `maxTaskSubjectsPerAgent`, `maxSubjectsPerSource`: nothing in force is ever dropped for room, a signal beyond is refused or folded), and `refuseTokensAtRisk` (no token exchange while the new token's calls would be at that risk; null: never); each field and its default below. Unset: the built-in detectors are off, and `POST /v1/signals` (admin token) answers with the default ladder, bounds and `refuseTokensAtRisk`; `{}` turns the detectors on with their defaults.",
  }),
  oidcIssuer: setting({
    default: undefined,
    schema: httpUrl,
    expected: 'an http(s) URL without query or fragment, e.g. https://login.example.org',
    doc: "The organisation's OpenID Connect identity provider for human sign-in at /auth/login (authorization code + PKCE; discovery at <issuer>/.well-known/openid-configuration). Register <issuer of Mandate>/auth/callback as its redirect URI. Unset: humans sign in only through the local admin sign-in.",
  }),
  oidcClientId: setting({
    default: undefined,
    schema: z.string().min(1).max(256),
    expected: 'the client id registered at the identity provider',
    doc: "Mandate's client id at `oidcIssuer`.",
  }),
  oidcScopes: setting({
    default: 'openid email profile',
    schema: z.string().refine((v) => v.split(' ').includes('openid') && v.length <= 512),
    expected: 'space-separated scopes including openid',
    doc: 'Scopes asked for at sign-in; add the one that releases the groups claim (often `groups`).',
  }),
  oidcHumanClaim: setting({
    default: 'email',
    schema: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
    expected: 'a claim name, e.g. email or sub',
    doc: 'The ID token (or UserInfo) claim that names the human: grants, grant requests and approvals refer to humans by it. An `email` the provider marks unverified is refused.',
  }),
  oidcGroupsClaim: setting({
    default: 'groups',
    schema: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
    expected: 'a claim name',
    doc: "The claim that lists the human's groups (an array, or a space- or comma-separated string), matched against `approverGroups`.",
  }),
  internalDomains: setting<string[]>({
    default: undefined,
    schema: z
      .union([
        z.array(z.string()),
        z.string().transform((v) =>
          v
            .split(',')
            .map((d) => d.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(
            z
              .string()
              .refine(
                (d) => normalizeHost(d.replace(/^\*?\./u, '')) !== undefined,
                'must be a domain name',
              ),
          )
          .max(1000),
      ),
    expected: 'domain names: an array (config file) or comma-separated text',
    doc: 'Names that are internal by themselves, each with its subdomains, besides `localhost`, `*.internal`, `*.local`, single-label names and the trust domain: a call reaching one has `context.destination.network` `internal` and is denied by `mandate.deny-internal-network` unless allowed (docs/policy.md, "Destinations").',
  }),
  allowedInternalDestinations: setting<string[]>({
    default: undefined,
    schema: z
      .union([
        z.array(z.string()),
        z.string().transform((v) =>
          v
            .split(',')
            .map((d) => d.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(z.string())
          .max(1000)
          .superRefine((list, ctx) => {
            try {
              compileAllowList(list);
            } catch (e) {
              ctx.addIssue({ code: 'custom', message: (e as Error).message });
            }
          }),
      ),
    expected:
      'hosts, `*.domain`s, ip addresses or cidrs: an array (config file) or comma-separated text',
    doc: 'Internal destinations calls may reach despite `mandate.deny-internal-network` (e.g. `10.1.0.0/16`, `db.internal`, `*.corp.example`). An address given in another spelling or an IPv6 form carrying an allowed IPv4 address matches too. Default: none.',
  }),
  resolveDestinations: setting({
    default: false,
    schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    expected: 'true or false',
    doc: 'Resolve every public name a call connects to (URL or host arguments, not mailbox domains) when deciding, and place it in the most internal network among its addresses, so `mandate.deny-internal-network` denies a name that points inside (an address in `allowedInternalDestinations` is allowed); a name that does not resolve within 2 s is `unknown` (external). Answers are cached 30 s (10,000 names). Names stay external, and the tool may resolve again and get another answer (DNS rebinding): an egress proxy that checks the address it connects to is the real guard (docs/policy.md, "Destinations"). Off: names are classified by name alone.',
  }),
  approverGroups: setting<string[]>({
    default: undefined,
    schema: z.union([
      z.array(z.string().min(1).max(256)).max(100),
      z.string().transform((v) =>
        v
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean),
      ),
    ]),
    expected: 'group names: an array (config file) or comma-separated text',
    doc: 'Members of these groups may answer any per-call approval (besides the human an on-behalf-of task acts for, and the admin). Unset: no approver group.',
  }),
  allowOwnerSelfApproval: setting({
    default: false,
    schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    expected: 'true or false',
    doc: "Whether an agent's owner may approve their own agent's calls (as owner, or as a member of an approver group).",
  }),
  humanSessionTtl: setting({
    default: 8 * 3600,
    schema: seconds(7 * 86_400),
    expected: 'seconds, 1 to 604800',
    doc: 'How long a human stays signed in (the session cookie and its server-side record).',
  }),
  grantRequestTtl: setting({
    default: 86_400,
    schema: seconds(30 * 86_400),
    expected: 'seconds, 1 to 2592000',
    doc: "How long an agent's grant request waits for the human's answer before it expires.",
  }),
  webhookUrl: setting({
    default: undefined,
    schema: httpUrl,
    expected: 'an http(s) URL without query or fragment',
    doc: 'Where delegation events are POSTed (a grant request or an approval waiting for a human, their answers, grants narrowed or revoked), signed with `webhookSecret` (docs/delegation.md); retried with backoff, never blocking a request. Unset: no webhook.',
  }),
  registration: setting<'off' | 'open' | 'initial-access-token'>({
    default: 'open',
    schema: z.enum(['off', 'open', 'initial-access-token']),
    expected: 'off, open or initial-access-token',
    doc: 'RFC 7591 dynamic client registration at POST /oauth/register, for MCP hosts that have no client ID metadata document (docs/clients.md). `open`: anyone may register a public client whose redirect URIs are https or http on a loopback address; a client nobody consented to within a day is deleted. `initial-access-token`: registration needs a bearer token an admin created (`mandate clients registration-token`), and private-use scheme redirect URIs (`com.example.app:/callback`) are accepted too. `off`: no registration (404, and the metadata names no `registration_endpoint`).',
  }),
  clientMetadataDocuments: setting({
    default: true,
    schema: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
    expected: 'true or false',
    doc: 'Accept OAuth client ID metadata documents: a `client_id` that is an https URL names the JSON document there, which Mandate fetches (at most 64 KiB, within 5 s, no redirects, never from an internal address unless `allowedInternalDestinations` allows it) and caches as its HTTP caching headers say, from 1 minute to 1 day (docs/clients.md).',
  }),
  clientMetadataCa: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: 'a path to a PEM file of CA certificates, or the PEM text',
    doc: "CA certificates trusted for fetching client ID metadata documents, besides the public roots: a private PKI's, or a test server's on loopback.",
  }),
  ssfQueueSize: setting({
    default: 10_000,
    schema: int(1, 1_000_000),
    expected: 'an integer from 1 to 1000000',
    doc: 'SETs each SSF stream holds for its receiver (undelivered push, unacknowledged poll, or paused); the oldest are dropped past it (docs/ssf.md).',
  }),
  ssfQueueTtl: setting({
    default: 86_400,
    schema: seconds(30 * 86_400),
    expected: 'seconds, 1 to 2592000',
    doc: 'How long an SSF stream holds an undelivered SET before dropping it.',
  }),
  ssfPushAttempts: setting({
    default: 21,
    schema: int(1, 1_000_000),
    expected: 'an integer from 1 to 1000000',
    doc: "Tries per SET pushed to an SSF receiver (RFC 8935) that does not answer or answers other than 2xx or 400, before the SET is dropped and the next one is sent; retries back off exponentially from 0.5 s to at most 60 s apart, so the default keeps trying one SET for about 15 minutes (a receiver that fails on one SET must not hold back the revocations queued behind it for a day). Never past the SET's `ssfQueueTtl`. A 400 refusal is never retried.",
  }),
  ssfReceiverIssuer: setting({
    default: undefined,
    schema: httpUrl,
    expected: 'an http(s) URL without query or fragment',
    doc: 'The identity provider (its `iss`) whose CAEP SETs Mandate receives at POST /v1/ssf/receiver (RFC 8935): session-revoked or credential-change about a human (email or iss_sub subject) revokes every active grant of that human (docs/ssf.md). Needs `ssfReceiverJwksUrl` or `ssfReceiverJwks`. Unset: no receiver (404).',
  }),
  ssfReceiverJwksUrl: setting({
    default: undefined,
    schema: httpUrl,
    expected: 'an http(s) URL without query or fragment',
    doc: "Where the receiver fetches the identity provider's signing keys (a JWKS).",
  }),
  ssfReceiverJwks: setting<{ keys: Record<string, unknown>[] }>({
    default: undefined,
    schema: z
      .union([
        z.string().transform((v, c) => {
          try {
            return JSON.parse(v) as unknown;
          } catch {
            c.addIssue({ code: 'custom', message: 'not JSON' });
            return z.NEVER;
          }
        }),
        z.unknown(),
      ])
      .pipe(z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(100) })),
    expected: 'a JWKS: {"keys": [...]} as an object (config file) or JSON text',
    doc: "The identity provider's signing keys inline, instead of `ssfReceiverJwksUrl`.",
  }),
  ssfReceiverAudience: setting({
    default: undefined,
    schema: z.string().min(1).max(512),
    expected: 'a string',
    doc: "The `aud` the identity provider's SETs must carry. Default: <issuer>/v1/ssf/receiver.",
  }),
  masterKey: setting({
    default: undefined,
    schema: z.string().min(1),
    expected: '32 bytes as base64, base64url or hex',
    doc: "Key that seals private keys and wraps the broker secrets' data keys at rest (AES-256-GCM). Default: generated into <dataDir>/master.key (0600).",
    secret: true,
  }),
  adminToken: setting({
    default: undefined,
    // RFC 6750 §2.1 b64token: what `Authorization: Bearer` can carry (src/protocol/authorization-header.ts).
    schema: z
      .string()
      .min(16)
      .regex(/^[A-Za-z0-9\-._~+/]+=*$/),
    expected:
      'at least 16 characters, each a letter, a digit or one of - . _ ~ + / (trailing = allowed)',
    doc: 'Bearer token for the admin API. Default: generated into <dataDir>/admin-token (0600) at first start.',
    secret: true,
  }),
  oidcClientSecret: setting({
    default: undefined,
    schema: z.string().min(1).max(1024),
    expected: 'the client secret issued by the identity provider',
    doc: "Mandate's client secret at `oidcIssuer` (client_secret_basic). Unset: a public client, PKCE alone.",
    secret: true,
  }),
  webhookSecret: setting({
    default: undefined,
    schema: z.string().min(16),
    expected: 'at least 16 characters',
    doc: 'The HMAC-SHA256 key of the `Mandate-Signature` header of webhook deliveries; required with `webhookUrl`.',
    secret: true,
  }),
};

export type SettingKey = keyof typeof settings;
export type Config = {
  [K in SettingKey]: (typeof settings)[K] extends Setting<infer T> ? T : never;
} & { issuer: string };

export const envName = (key: string): string =>
  `MANDATE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
export const flagName = (key: string): string =>
  key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
