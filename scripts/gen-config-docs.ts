/**
 * Writes docs/configuration.md from src/server/config/defaults.ts, the single source of truth, and
 * the tables of the nested settings (`gateway`, `proxy`, `signals`) from their zod schemas, where
 * each field carries its default (`.default()`, or `defaultText` for one that depends on another
 * setting) and its meaning (`description`). The same tables go into docs/configuration.md and
 * between the `BEGIN`/`END` markers of the page that explains the setting.
 * `npm run docs:config`; a test fails when a committed page is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { gatewayConfigSchema } from '../src/gateway/mcp/config.js';
import { proxyConfigSchema } from '../src/gateway/http-proxy/config.js';
import { envName, flagName, settings } from '../src/server/config/defaults.js';
import { signalsConfigSchema } from '../src/session/signal-config.js';

type Shape = Record<string, z.ZodType>;

interface Row {
  field: string;
  /** Set for the fields of a union of objects: which members have the field. */
  members?: string;
  default: string;
  meaning: string;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function defaultOf(schema: z.ZodType): string {
  const text = z.globalRegistry.get(schema)?.defaultText;
  if (typeof text === 'string') return text;
  const parsed = schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return '—';
  const v: unknown = parsed.data;
  return `\`${typeof v === 'string' ? v : json(v)}\``;
}

/** JSON on one line, with a space after each `:` and `,`. */
function json(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(json).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${json(x)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return JSON.stringify(v);
}

function meaningOf(schema: z.ZodType, field: string): string {
  const description = z.globalRegistry.get(schema)?.description;
  // INVARIANT: every field of a nested setting says what it does, or the docs would lose it.
  if (!description) throw new Error(`the schema field \`${field}\` has no description`);
  return description;
}

function objectRows(shape: Shape, prefix = ''): Row[] {
  return Object.entries(shape).map(([name, schema]) => ({
    field: `\`${prefix}${name}\``,
    default: defaultOf(schema),
    meaning: meaningOf(schema, prefix + name),
  }));
}

/** The fields of a union of objects (the gateway's http and stdio upstreams), each with the members that have it. */
function unionRows(members: Record<string, Shape>): Row[] {
  const names = [...new Set(Object.values(members).flatMap((m) => Object.keys(m)))];
  return names.map((name) => {
    const having = Object.entries(members).filter(([, m]) => name in m);
    const [first] = having;
    const schema = first![1][name]!;
    return {
      field: `\`${name}\``,
      members: having.length === Object.keys(members).length ? 'both' : first![0],
      default: defaultOf(schema),
      meaning: meaningOf(schema, name),
    };
  });
}

/** Consecutive rows that say the same thing become one (`command`, `args`, `env`, `cwd`). */
function merged(rows: Row[]): Row[] {
  const out: Row[] = [];
  for (const r of rows) {
    const last = out.at(-1);
    if (
      last &&
      last.meaning === r.meaning &&
      last.default === r.default &&
      last.members === r.members
    )
      last.field += `, ${r.field}`;
    else out.push({ ...r });
  }
  return out;
}

function table(rows: Row[], membersHeader?: string): string {
  const head = membersHeader
    ? [`| field | ${membersHeader} | default | meaning |`, '|---|---|---|---|']
    : ['| field | default | meaning |', '|---|---|---|'];
  return [
    ...head,
    ...merged(rows).map((r) =>
      membersHeader
        ? `| ${r.field} | ${r.members} | ${cell(r.default)} | ${cell(r.meaning)} |`
        : `| ${r.field} | ${cell(r.default)} | ${cell(r.meaning)} |`,
    ),
  ].join('\n');
}

/** The schema under `.optional()`, `.default()`, `.prefault()` and `.array()`. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = s.def as { innerType?: z.ZodType; element?: z.ZodType };
    const inner = def.innerType ?? def.element;
    if (!inner) return s;
    s = inner;
  }
}

function shapeOf(schema: z.ZodType): Shape {
  const s = unwrapped(schema);
  if (!(s instanceof z.ZodObject)) throw new Error(`not an object schema: ${s.def.type}`);
  return s.shape as Shape;
}

/** The members of a union of objects, by their discriminator's value. */
function membersOf(schema: z.ZodType, discriminator: string): Record<string, Shape> {
  const s = unwrapped(schema);
  if (!(s instanceof z.ZodDiscriminatedUnion)) throw new Error(`not a union: ${s.def.type}`);
  return Object.fromEntries(
    (s.options as z.ZodObject[]).map((o) => [
      String((o.shape[discriminator] as z.ZodLiteral).value),
      o.shape as Shape,
    ]),
  );
}

/** Each generated table: its name (the markers' label) and its text. */
export function nestedTables(): Record<string, string> {
  const signals = signalsConfigSchema.shape;
  return {
    'gateway.fields': table(objectRows(gatewayConfigSchema.shape)),
    'gateway.upstreams': table(
      unionRows(membersOf(gatewayConfigSchema.shape.upstreams, 'transport')),
      'transports',
    ),
    'proxy.fields': table(objectRows(proxyConfigSchema.shape)),
    'proxy.services': table(objectRows(shapeOf(proxyConfigSchema.shape.services))),
    'signals.fields': table(objectRows(signals)),
    'signals.detectors': table(objectRows(shapeOf(signals.detectors), 'detectors.')),
  };
}

/** The pages that explain a nested setting, and the tables each holds between its markers. */
export const NESTED_PAGES: Record<string, string[]> = {
  'docs/gateway.md': ['gateway.fields', 'gateway.upstreams'],
  'docs/proxy.md': ['proxy.fields', 'proxy.services'],
  'docs/signals.md': ['signals.fields', 'signals.detectors'],
};

const begin = (name: string) =>
  `<!-- BEGIN ${name}: generated by scripts/gen-config-docs.ts from the schema; do not edit -->`;
const end = (name: string) => `<!-- END ${name} -->`;

/** `page` with each of its tables replaced by the current one; throws when a marker is missing. */
export function renderNestedPage(path: string, page: string): string {
  const tables = nestedTables();
  let out = page;
  for (const name of NESTED_PAGES[path] ?? []) {
    const from = out.indexOf(begin(name));
    const to = out.indexOf(end(name));
    if (from < 0 || to < from) throw new Error(`${path} has no markers for \`${name}\``);
    out = `${out.slice(0, from)}${begin(name)}\n${tables[name]}\n${out.slice(to)}`;
  }
  return out;
}

export function renderConfigDocs(): string {
  const rows = Object.entries(settings).map(([key, s]) => {
    const flag = 'secret' in s && s.secret ? '—' : `\`--${flagName(key)}\``;
    const def = s.default === undefined ? '—' : `\`${String(s.default)}\``;
    return `| \`${key}\` | ${flag} | \`${envName(key)}\` | ${def} | ${s.doc} Accepts ${s.expected}. |`;
  });
  const t = nestedTables();
  return [
    '# Configuration',
    '',
    "<!-- generated by scripts/gen-config-docs.ts from src/server/config/defaults.ts and the nested settings' schemas; do not edit -->",
    '',
    'Precedence: command-line flag > `MANDATE_*` environment variable > config file (`--config` or',
    '`MANDATE_CONFIG`, a JSON object with the keys below) > default. Every value is validated at start;',
    'a bad one stops the server with exit code 2 and a message naming the key, where it came from and',
    'what is expected. Secrets are never taken from flags (they would show in `ps`).',
    '',
    '| key | flag | environment | default | meaning |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    '## Nested settings',
    '',
    'The fields of the settings that take an object. A field left out takes its default.',
    '',
    '### `gateway` (docs/gateway.md)',
    '',
    t['gateway.fields'],
    '',
    'Each of `upstreams`:',
    '',
    t['gateway.upstreams'],
    '',
    '### `proxy` (docs/proxy.md)',
    '',
    t['proxy.fields'],
    '',
    'Each of `services`:',
    '',
    t['proxy.services'],
    '',
    '### `signals` (docs/signals.md)',
    '',
    t['signals.fields'],
    '',
    'Each detector of `detectors`:',
    '',
    t['signals.detectors'],
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('gen-config-docs.ts')) {
  writeFileSync('docs/configuration.md', renderConfigDocs());
  console.log('wrote docs/configuration.md');
  for (const path of Object.keys(NESTED_PAGES)) {
    writeFileSync(path, renderNestedPage(path, readFileSync(path, 'utf8')));
    console.log(`wrote the tables of ${path}`);
  }
}
