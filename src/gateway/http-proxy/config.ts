import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { credentialBindingSchema } from '../../broker/binding.js';
import { MandateError } from '../../core/errors.js';
import { normalizeHost } from '../../core/host.js';
import { firstIssue } from '../../core/validation.js';
import { EXTRACTOR_KINDS } from '../../policy/argument-extractors.js';
import { CLASSIFICATIONS } from '../../policy/classification.js';
import { SIDE_EFFECTS } from '../../policy/tool-catalog.js';
import { FRAMING_HEADERS } from './headers.js';
import { parseTemplate } from './template.js';

/**
 * The `proxy` setting: the plain HTTP APIs served at `/proxy/<service>/...`, each with its
 * upstream, the credential the broker injects, and the allowlist of method + path routes, each
 * route a tool of the catalog (`<service>/<tool>`). Given inline in the `--config` JSON, as a
 * path to a JSON file, or as JSON text (`MANDATE_PROXY='{...}'`). Validated at start; a bad
 * value names its field. See docs/proxy.md.
 */

export const SERVICE_NAME = /^[a-z0-9-]{1,32}$/;
export const PROXY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'must be an http header name')
  .refine(
    (h) => !FRAMING_HEADERS.has(h.toLowerCase()),
    'names a header the proxy sets or strips itself',
  );

// A tool name that is also a valid scope token and catalog name: no `/`, `*`, space, quotes.
const toolName = z
  .string()
  .regex(
    /^[A-Za-z0-9_.:-]{1,128}$/,
    'must be 1-128 characters of letters, digits, `_`, `.`, `:` or `-`',
  );

const LOOPBACK = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

const route = z.strictObject({
  method: z.enum(PROXY_METHODS),
  /** `/items/{id}`, `/files/**`: literal segments, `{name}` for one segment, a trailing `/**` for the rest. */
  path: z
    .string()
    .max(1024)
    .superRefine((p, ctx) => {
      const t = parseTemplate(p);
      if ('error' in t) ctx.addIssue({ code: 'custom', message: t.error });
    }),
  tool: toolName,
  sideEffect: z.enum(SIDE_EFFECTS).optional(),
  classification: z.enum(CLASSIFICATIONS).optional(),
  /** Hosts the call reaches; default the upstream's host. */
  destinations: z.array(z.string().min(1).max(256)).max(256).optional(),
  labels: z.record(z.string().min(1).max(128), z.string().max(1024)).optional(),
  /** More argument extractors (e.g. `body.to` as `email`); the upstream `url` is always one. Checked by the catalog. */
  extractors: z
    .array(z.strictObject({ path: z.string().min(1).max(256), kind: z.enum(EXTRACTOR_KINDS) }))
    .max(63)
    .optional(),
});

/** A service's `timeoutMs` and `maxJsonBytes` when it names none. */
const PROXY_TIMEOUT_MS = 30_000;
const PROXY_MAX_JSON_BYTES = 1024 * 1024;

// The meaning of each field is its `description`: docs/proxy.md and docs/configuration.md print
// it with the default (scripts/gen-config-docs.ts).
const service = z
  .strictObject({
    name: z.string().regex(SERVICE_NAME, 'must be 1-32 characters of a-z, 0-9 and `-`').meta({
      description:
        '1-32 characters of `a-z 0-9 -`; the URL prefix `/proxy/<name>`, the catalog server of its tools, and part of its resource. It may not also name an MCP gateway upstream (tool ids `<name>/...` must name one server)',
    }),
    upstream: z.string().max(2048).meta({
      description:
        'the base URL requests are forwarded under: `/proxy/billing/invoices/42` → `https://api.billing.example/v1/invoices/42`. https; plain http only to a loopback host, or with `allowHttp`. No credentials, query or fragment in it',
    }),
    allowHttp: z.boolean().default(false).meta({
      description:
        '`true`: plain http to a host other than loopback (an internal legacy API; the credential then crosses the network in clear)',
    }),
    credential: credentialBindingSchema.optional().meta({
      description:
        'a broker credential binding (docs/broker.md): `static` (`bearer`, `header`, `basic`, `query`), `oauth_client_credentials`, `oauth_token_exchange`, `mandate_jwt`. Checked in full at start',
    }),
    identity: z
      .strictObject({ header: headerName, audience: z.string().min(1).max(2048).optional() })
      .optional()
      .meta({
        description:
          '`{ header, audience? }`: a short-lived Mandate-signed assertion of the caller (`typ: mandate-id+jwt`; agent, on-behalf-of, chain, task) in this header; audience default: the upstream URL',
      }),
    routes: z.array(route).min(1).max(1000).meta({
      description:
        "the allowlist, 1 to 1000 routes: `method` (`GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`), `path` (a template, below), `tool` (the catalog tool name), and the tool's attributes for policy: `sideEffect`, `classification`, `destinations`, `labels`, `extractors`",
    }),
    rateLimit: z
      .strictObject({
        perAgentPerMinute: z.number().int().min(1).max(1_000_000),
        burst: z.number().int().min(1).max(1_000_000).optional(),
      })
      .optional()
      .meta({
        description:
          '`{ perAgentPerMinute, burst? }`: a token bucket per agent for this service (burst default: `perAgentPerMinute`)',
      }),
    timeoutMs: z.number().int().min(100).max(600_000).default(PROXY_TIMEOUT_MS).meta({
      description:
        "how long to wait for the upstream's response headers (then 504), and the longest silence while its body streams (then the response is cut), in milliseconds",
    }),
    maxJsonBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(PROXY_MAX_JSON_BYTES)
      .meta({
        description:
          'the largest JSON request body read for the decision (then 413), in bytes; other bodies are streamed, not read',
      }),
  })
  .superRefine((s, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(s.upstream);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['upstream'], message: 'must be an absolute url' });
    }
    if (url) {
      const host = normalizeHost(url.hostname) ?? '';
      if (
        url.protocol !== 'https:' &&
        !(url.protocol === 'http:' && (LOOPBACK(host) || s.allowHttp === true))
      )
        ctx.addIssue({
          code: 'custom',
          path: ['upstream'],
          message: 'must be an https url (http only to a loopback host, or with `allowHttp`)',
        });
      if (url.username || url.password)
        ctx.addIssue({
          code: 'custom',
          path: ['upstream'],
          message: 'must not carry credentials; bind a `credential` instead',
        });
      if (url.search || url.hash || s.upstream.includes('?') || s.upstream.includes('#'))
        ctx.addIssue({
          code: 'custom',
          path: ['upstream'],
          message: 'must not have a query or fragment',
        });
    }
    const shapes = new Set<string>();
    const byTool = new Map<string, z.output<typeof route>>();
    s.routes.forEach((r, i) => {
      const t = parseTemplate(r.path);
      if ('error' in t) return;
      const key = `${r.method} ${t.shape}`;
      if (shapes.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'path'],
          message: `duplicates another \`${r.method}\` route of the same shape`,
        });
      shapes.add(key);
      const first = byTool.get(r.tool);
      if (!first) return void byTool.set(r.tool, r);
      for (const field of [
        'sideEffect',
        'classification',
        'destinations',
        'labels',
        'extractors',
      ] as const) {
        if (r[field] !== undefined && JSON.stringify(r[field]) !== JSON.stringify(first[field]))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, field],
            message: `differs from an earlier route of tool \`${r.tool}\`; give it once, on the first route`,
          });
      }
    });
  });

export const proxyConfigSchema = z
  .strictObject({
    dpopRequired: z.boolean().optional().meta({
      defaultText: 'the `dpopRequired` setting',
      description: 'refuse Bearer tokens at every service',
    }),
    services: z
      .array(service)
      .min(1)
      .max(64)
      .meta({ description: 'the plain HTTP APIs, 1 to 64, below' }),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.services.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['services', i, 'name'],
          message: `duplicates \`${s.name}\``,
        });
      seen.add(s.name);
    });
  });

export type ProxyConfig = z.output<typeof proxyConfigSchema>;
export type ServiceConfig = ProxyConfig['services'][number];
export type RouteConfig = ServiceConfig['routes'][number];

/** Parses the setting's raw value: an object, JSON text, or a path to a JSON file. Throws `invalid_config` naming the field. */
export function parseProxyConfig(raw: unknown): ProxyConfig {
  let value = raw;
  if (typeof raw === 'string') {
    const inline = raw.trimStart().startsWith('{');
    const text = inline ? raw : readProxyFile(raw);
    try {
      value = JSON.parse(text);
    } catch {
      throw new MandateError(
        'invalid_config',
        `invalid configuration: \`proxy\` ${inline ? 'is not valid json' : `file \`${raw}\` is not valid json`}`,
        { key: 'proxy' },
      );
    }
  }
  const parsed = proxyConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, problem } = firstIssue(parsed.error, 'proxy');
  throw new MandateError(
    'invalid_config',
    `invalid configuration: \`${field}\` ${problem}; see docs/proxy.md`,
    { key: 'proxy', field },
  );
}

function readProxyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new MandateError(
      'invalid_config',
      `invalid configuration: cannot read proxy file \`${path}\``,
      { key: 'proxy' },
    );
  }
}
