import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { credentialBindingSchema } from '../../broker/binding.js';
import { MandateError } from '../../core/errors.js';
import { firstIssue } from '../../core/validation.js';

/**
 * The `gateway` setting: the MCP gateway's resource identifier, its failure mode and the upstream
 * MCP servers it aggregates. Given inline in the `--config` JSON, as a path to a JSON file, or as
 * JSON text (`MANDATE_GATEWAY='{...}'`). Validated at start; a bad value names its field.
 */

/**
 * An upstream's name: its tools are exposed as `<name>__<tool>` and cataloged as `<name>/<tool>`.
 * It starts with a letter so that `<name>+<uri>` (a namespaced resource URI) is a valid URI scheme,
 * and it cannot hold `_`, `+` or `/`, so splitting at the first separator gives it back.
 */
export const UPSTREAM_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** An upstream's `timeoutMs` when it names none. */
export const UPSTREAM_TIMEOUT_MS = 60_000;

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be an http header name');
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name');

/** How the broker obtains an upstream credential (docs/broker.md), checked in full by the broker's own schema. */
const credentialBinding = credentialBindingSchema;

const stdioCredential = z
  .looseObject({ env: z.record(envName, headerName) })
  .superRefine((v, ctx) => {
    const { env: _env, ...binding } = v;
    const issue = credentialBinding.safeParse(binding).error?.issues[0];
    if (issue) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** Operator annotations by tool name, validated by the tool catalog when the upstream's tools are listed. */
const annotations = z.record(z.string().min(1).max(128), z.record(z.string(), z.unknown()));

// The meaning of each field is its `description`: docs/gateway.md and docs/configuration.md print
// it with the default (scripts/gen-config-docs.ts), so the two cannot drift apart.
const name = z
  .string()
  .regex(UPSTREAM_NAME, 'must be 1-32 characters of a-z, 0-9 and `-`, starting with a letter')
  .meta({
    description:
      '`[a-z][a-z0-9-]{0,31}`; unique. Names its tools (`<name>__<tool>`), its catalog entries (`<name>/<tool>`) and its broker service.',
  });
const transportDoc = '`http` (Streamable HTTP) or `stdio` (a child process).';
const common = {
  namespace: z.boolean().default(true).meta({
    description:
      '`false`: this upstream keeps its own tool, prompt and resource names (at most one upstream). For a gateway in front of one server whose clients call fixed names (the conformance run does this).',
  }),
  annotations: annotations.optional().meta({
    description:
      'What the operator says about each tool, by the upstream\'s tool name (docs/policy.md, "Tool catalog"): `sideEffect`, `classification`, `destinations`, `labels`, `extractors`. A tool without one gets the restrictive defaults (destructive, confidential, any destination), or with `trustHints` what its hints say.',
  }),
  trustHints: z.boolean().default(false).meta({
    description:
      'Trust this upstream\'s MCP tool hints: `readOnlyHint`/`destructiveHint` set a tool\'s side effect and `openWorldHint: false` its destinations (none of its own) where `annotations` say nothing. The hints are reviewed on first listing; a hint that changes later sets nothing (the tool is held at the defaults) until `mandate tools review` or an annotation, and is audited (docs/policy.md, "Hints from trusted upstreams").',
  }),
  timeoutMs: z.number().int().min(100).max(3_600_000).default(UPSTREAM_TIMEOUT_MS).meta({
    description:
      'Milliseconds an upstream request (connecting, listing tools, a call) may take; progress notifications restart it.',
  }),
};

const credentialDoc =
  'A credential binding (docs/broker.md: `static`, `oauth_client_credentials`, `oauth_token_exchange`, `mandate_jwt`), checked with the broker\'s schema at start. For stdio it adds `env`: an environment variable of the child for each header of the injected credential, e.g. `{"GITHUB_TOKEN": "authorization"}`.';
const identityDoc =
  'Sends the caller\'s identity assertion (a short-lived `mandate-id+jwt` signed by the trust domain: subject, acting agent, act chain, task) so the service behind keeps the identity context. http: `{ "header": "mandate-identity", "audience": "<default: the upstream url>" }`; stdio: `{ "env": "MANDATE_IDENTITY", "audience": "<default: mcp:<name>>" }`, minted once when the session\'s child starts, so it expires (60 s at most) while the child lives: it tells a stdio server who its session is for, not proof for later calls.';

const httpUpstream = z.strictObject({
  name,
  transport: z.literal('http').meta({ description: transportDoc }),
  url: z.url({ protocol: /^https?$/ }).meta({ description: "The upstream's MCP endpoint." }),
  headers: z.record(headerName, z.string().max(8192)).optional().meta({
    description:
      'Fixed, non-secret headers sent on every upstream request. Secrets go in the broker (`credential`).',
  }),
  credential: credentialBinding.optional().meta({ description: credentialDoc }),
  identity: z
    .strictObject({ header: headerName.optional(), audience: z.string().min(1).optional() })
    .optional()
    .meta({ description: identityDoc }),
  ...common,
});

const childDoc =
  "The child process. It gets `env` and a minimal safe environment (`PATH`, `HOME`, …), never the server's own (`MANDATE_*` stays out).";

const stdioUpstream = z.strictObject({
  name,
  transport: z.literal('stdio').meta({ description: transportDoc }),
  command: z.string().min(1).meta({ description: childDoc }),
  args: z.array(z.string()).max(256).optional().meta({ description: childDoc }),
  env: z.record(envName, z.string()).optional().meta({ description: childDoc }),
  cwd: z.string().min(1).optional().meta({ description: childDoc }),
  credential: stdioCredential.optional().meta({ description: credentialDoc }),
  identity: z
    .strictObject({ env: envName, audience: z.string().min(1).optional() })
    .optional()
    .meta({ description: identityDoc }),
  ...common,
});

const upstream = z.discriminatedUnion('transport', [httpUpstream, stdioUpstream]);

export const gatewayConfigSchema = z
  .strictObject({
    resource: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({
        defaultText: '`<issuer>/mcp`',
        description:
          "The gateway's resource identifier: the audience its task tokens must carry (RFC 8707 `resource` at token exchange) and `resource` of its RFC 9728 metadata. Keep it the public URL of `/mcp`.",
      }),
    failMode: z
      .literal('closed', {
        error:
          'can only be `closed`: an enforcement point never fails open (a failing decision point or a stale revocation stream refuses the call)',
      })
      .default('closed')
      .meta({
        description:
          'Only `closed` is accepted: nothing is forwarded when a check cannot be made (a failing decision point, a stale revocation stream). `open` is refused at start-up: an enforcement point never fails open.',
      }),
    dpopRequired: z.boolean().optional().meta({
      defaultText: 'the `dpopRequired` setting',
      description:
        'Refuse tokens that are not DPoP-bound; advertised as `dpop_bound_access_tokens_required`.',
    }),
    allowedOrigins: z.array(z.string().min(1)).max(64).optional().meta({
      defaultText: "the issuer's origin",
      description:
        'Browser origins allowed to call `/mcp` (MCP transport security against DNS rebinding). A request with another `Origin` is refused (403); requests without `Origin` are not from browsers.',
    }),
    maxSessions: z.number().int().min(1).max(100_000).default(1000).meta({
      description: 'Sessions held at once; `initialize` beyond it answers 503 with `Retry-After`.',
    }),
    sessionIdleSeconds: z.number().int().min(10).max(86_400).default(1800).meta({
      description:
        'A session without a request for this long is closed with its upstream connections.',
    }),
    upstreams: z.array(upstream).max(64).meta({ description: 'The upstream MCP servers, below.' }),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.upstreams.forEach((u, i) => {
      if (seen.has(u.name))
        ctx.addIssue({
          code: 'custom',
          path: ['upstreams', i, 'name'],
          message: `duplicates \`${u.name}\``,
        });
      seen.add(u.name);
    });
    if (c.upstreams.filter((u) => u.namespace === false).length > 1)
      ctx.addIssue({
        code: 'custom',
        path: ['upstreams'],
        message: 'at most one upstream may set `namespace: false`',
      });
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type UpstreamConfig = GatewayConfig['upstreams'][number];
export type HttpUpstreamConfig = Extract<UpstreamConfig, { transport: 'http' }>;
export type StdioUpstreamConfig = Extract<UpstreamConfig, { transport: 'stdio' }>;

/** Parses the setting's raw value: an object, JSON text, or a path to a JSON file. Throws `invalid_config` naming the field. */
export function parseGatewayConfig(raw: unknown): GatewayConfig {
  let value = raw;
  if (typeof raw === 'string') {
    const text = raw.trimStart().startsWith('{') ? raw : readGatewayFile(raw);
    try {
      value = JSON.parse(text);
    } catch {
      throw new MandateError(
        'invalid_config',
        `invalid configuration: \`gateway\` ${text === raw ? 'is not valid json' : `file \`${raw}\` is not valid json`}`,
        { key: 'gateway' },
      );
    }
  }
  const parsed = gatewayConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, problem } = firstIssue(parsed.error, 'gateway');
  throw new MandateError(
    'invalid_config',
    `invalid configuration: \`${field}\` ${problem}; see docs/gateway.md`,
    { key: 'gateway', field },
  );
}

function readGatewayFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: cannot read gateway file \`${path}\``,
      { key: 'gateway' },
    );
  }
}
