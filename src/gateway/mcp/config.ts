import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { credentialBindingSchema } from '../../broker/binding.js';
import { MandateError } from '../../core/errors.js';

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

const common = {
  name: z
    .string()
    .regex(UPSTREAM_NAME, 'must be 1-32 characters of a-z, 0-9 and `-`, starting with a letter'),
  /** false: tools, prompts and resources keep their own names (at most one upstream); for transparent single-upstream use. */
  namespace: z.boolean().optional(),
  annotations: annotations.optional(),
  /** Milliseconds an upstream request may take. */
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
};

const httpUpstream = z.strictObject({
  ...common,
  transport: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  /** Fixed, non-secret headers sent on every upstream request. */
  headers: z.record(headerName, z.string().max(8192)).optional(),
  credential: credentialBinding.optional(),
  /** Sends a short-lived Mandate-signed assertion of the caller (`mandate-id+jwt`) in `header` (default `mandate-identity`; audience: `audience` or the upstream URL). */
  identity: z
    .strictObject({ header: headerName.optional(), audience: z.string().min(1).optional() })
    .optional(),
});

const stdioUpstream = z.strictObject({
  ...common,
  transport: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()).max(256).optional(),
  env: z.record(envName, z.string()).optional(),
  cwd: z.string().min(1).optional(),
  /** A binding plus `env`: an environment variable of the child for each header of the injected credential it needs. */
  credential: stdioCredential.optional(),
  /** Puts the caller's identity assertion (audience: `audience` or `mcp:<name>`) into this environment variable of the child. */
  identity: z.strictObject({ env: envName, audience: z.string().min(1).optional() }).optional(),
});

const upstream = z.discriminatedUnion('transport', [httpUpstream, stdioUpstream]);

export const gatewayConfigSchema = z
  .strictObject({
    /** The gateway's resource identifier (token audience, RFC 9728 `resource`). Default `<issuer>/mcp`. */
    resource: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Only `closed` (the default, and the only behaviour): nothing is forwarded when a check cannot
     * be made. Kept so configurations that spell it out stay valid; `open` is refused.
     */
    failMode: z
      .literal('closed', {
        error:
          'can only be `closed`: an enforcement point never fails open (a failing decision point or a stale revocation stream refuses the call)',
      })
      .optional(),
    /** Advertise `dpop_bound_access_tokens_required` and refuse Bearer tokens. Default: the `dpopRequired` setting. */
    dpopRequired: z.boolean().optional(),
    /** Origins allowed to call /mcp from a browser (requests without `Origin` are not browsers). Default: the issuer's origin. */
    allowedOrigins: z.array(z.string().min(1)).max(64).optional(),
    /** Downstream sessions held at once; a new one beyond it is refused (503). */
    maxSessions: z.number().int().min(1).max(100_000).optional(),
    /** Seconds without a request after which a session (and its upstream connections) is closed. */
    sessionIdleSeconds: z.number().int().min(10).max(86_400).optional(),
    upstreams: z.array(upstream).max(64),
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
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`),
    'gateway',
  );
  throw new MandateError(
    'invalid_config',
    `invalid configuration: \`${path}\` ${issue?.message.toLowerCase() ?? 'is invalid'}; see docs/gateway.md`,
    { key: 'gateway', field: path },
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
