import { MandateError } from '../core/errors.js';
import { MAX_ARGUMENT_DEPTH, MAX_ARGUMENT_PATHS } from './arguments.js';
import {
  ANY_HOST,
  classify,
  destinationRules,
  INVALID_HOST,
  type Destination,
  type DestinationRules,
  type Via,
} from './destinations/classify.js';
import {
  looksLikeIpLiteral,
  looksLikeUrl,
  readEmail,
  readHost,
  readPath,
  readUrl,
  type Reading,
} from './destinations/read-value.js';
import { readStrictUrl } from './destinations/strict-url.js';

/**
 * Argument extractors turn a tool call's arguments into decision context: every host a call will
 * reach (`send_email.to` → the recipient's domain, `http_get.url` → the URL's host, at any depth
 * of the arguments) with the network it lies in, and file paths as the tool will open them.
 * Everything here fails closed: a value that should name a destination but cannot be read as
 * one becomes the destination `<invalid>`, which is external; a value with more than one reading
 * (a URL with a backslash, an address with two `@`, a path with `..`) is a problem that refuses
 * the call, and so are arguments too large to be read whole (an `<invalid>` destination would
 * hide an internal one from `mandate.deny-internal-network`).
 */

export type ExtractorKind = 'email' | 'url' | 'host' | 'path' | 'string';
export const EXTRACTOR_KINDS = [
  'email',
  'url',
  'host',
  'path',
  'string',
] as const satisfies readonly ExtractorKind[];

/**
 * One extractor. `path` names argument values: `to`, `headers.Host`, `recipients[*]`,
 * `messages[*].to`, `items[0].url`. Keys match case-insensitively and without surrounding
 * whitespace (HTTP header names do, and an agent must not slip past `headers.Host` by sending
 * `host` or `"Host "`); a key segment applied to an array applies to each element; an array at
 * the end of the path yields each element. `root` (kind `path` only) is the directory the tool
 * resolves relative paths against.
 */
export interface ArgumentExtractor {
  readonly path: string;
  readonly kind: ExtractorKind;
  readonly root?: string | undefined;
}

export { ANY_HOST, INVALID_HOST, type Destination };

export interface ExtractedContext {
  /** Distinct destinations in first-seen order. */
  readonly destinations: Destination[];
  /** Every extracted value by its concrete path (`to`, `recipients[1]`); `path` kinds resolved. */
  readonly strings: Record<string, string>;
  /** `path` arguments as the tool opens them, by flattened argument path (`files.0`): what policy sees. */
  readonly paths: Record<string, string>;
  /** Why an argument has more than one reading; any problem refuses the call. */
  readonly problems: string[];
  /** Hosts the tool connects to (read as a URL or a host, not only as a mailbox domain): what `resolveDestinations` may look up. */
  readonly connected: string[];
}

/** What extraction needs from a catalog tool. */
export interface ExtractionTarget {
  readonly extractors: readonly ArgumentExtractor[];
  /** Catalog fields that hold defaults; `extractors` here adds name-based defaults for argument keys. */
  readonly defaulted?: readonly string[];
  /** The tool's catalog destinations: `*` makes "nothing found" an unknown destination; hosts named are allowed. */
  readonly destinations?: readonly string[];
}

/**
 * Values one extractor may yield; a call with more is refused. Arguments hold at most
 * `MAX_ARGUMENT_PATHS` values (policy/arguments.ts), so only a call refused there anyway reaches it.
 */
export const MAX_VALUES_PER_EXTRACTOR = MAX_ARGUMENT_PATHS;
/**
 * How deep into the arguments destinations are looked for: as deep as arguments may nest at all
 * (`MAX_ARGUMENT_DEPTH`), so nothing a tool can be sent is left unread.
 */
export const MAX_SCAN_DEPTH = MAX_ARGUMENT_DEPTH;
/** Values and containers one call's arguments may hold before the call is refused (empty ones count: they give no argument path). */
const MAX_SCAN_NODES = 16_384;
const MAX_PATH_SEGMENTS = 16;

type Segment = { key: string } | { index: number } | { each: true };

/**
 * Parses an extractor path into segments, or throws `invalid_request` naming it.
 *
 * @example parseExtractorPath('messages[*].to') // [{ key: 'messages' }, { each: true }, { key: 'to' }]
 */
export function parseExtractorPath(path: string): Segment[] {
  const segments: Segment[] = [];
  const token = /^(?:\.?([^.[\]]+)|\[(\*|\d{1,6})\])/u;
  let rest = path;
  while (rest !== '' && segments.length <= MAX_PATH_SEGMENTS) {
    const m = token.exec(rest);
    // The first segment is a bare key; later keys follow a `.`.
    const key = m?.[1];
    if (
      !m ||
      (key !== undefined && m[0].startsWith('.') === (segments.length === 0)) ||
      (key === undefined && segments.length === 0)
    )
      break;
    segments.push(
      key !== undefined ? { key } : m[2] === '*' ? { each: true } : { index: Number(m[2]) },
    );
    rest = rest.slice(m[0].length);
  }
  if (rest !== '' || segments.length === 0 || segments.length > MAX_PATH_SEGMENTS) {
    throw new MandateError(
      'invalid_request',
      `invalid argument path \`${path.slice(0, 80)}\`: expected keys joined by \`.\`, with \`[*]\` or \`[n]\` for arrays`,
      { path },
    );
  }
  return segments;
}

/** A resolved value, a container of the wrong type where the path expected another, or more values than are read. */
type Found =
  | { path: string; value: unknown }
  | { path: string; mismatch: true }
  | { path: string; overflow: true };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function resolve(args: unknown, segments: Segment[]): Found[] {
  let found: Found[] = [{ path: '', value: args }];
  for (const seg of segments) {
    const next: Found[] = [];
    for (const f of found) {
      if (!('value' in f)) next.push(f);
      else step(f.path, f.value, seg, next);
      if (next.length > MAX_VALUES_PER_EXTRACTOR) {
        next.length = MAX_VALUES_PER_EXTRACTOR;
        next.push({ path: f.path, overflow: true }); // what is not looked at refuses the call
        break;
      }
    }
    found = next;
  }
  // An array at the end of the path stands for its elements.
  return found.flatMap((f) =>
    'value' in f && Array.isArray(f.value)
      ? f.value.map((value, i) => ({ path: `${f.path}[${i}]`, value }))
      : [f],
  );
}

/**
 * A key as extractors compare it: lowercase, without whitespace, control or format characters
 * anywhere (`"u\u200brl"`, `"u rl"` and `"url "` are `url`): a tool or the model behind it may
 * drop what does not show.
 */
const keyOf = (k: string): string => k.replace(/[\s\p{Cc}\p{Cf}]+/gu, '').toLowerCase();

function matchKey(path: string, value: unknown, key: string, out: Found[]): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) {
    out.push({ path, mismatch: true });
    return;
  }
  const want = keyOf(key);
  for (const k of Object.keys(value))
    if (keyOf(k) === want) out.push({ path: path === '' ? k : `${path}.${k}`, value: value[k] });
}

function step(path: string, value: unknown, seg: Segment, out: Found[]): void {
  if (value === undefined || value === null) return;
  if ('key' in seg) {
    // A key applied to a list applies to each element (one level: nesting never recurses).
    if (Array.isArray(value)) value.forEach((el, i) => matchKey(`${path}[${i}]`, el, seg.key, out));
    else matchKey(path, value, seg.key, out);
  } else if ('each' in seg) {
    if (Array.isArray(value))
      value.forEach((el, i) => out.push({ path: `${path}[${i}]`, value: el }));
    else out.push({ path, value }); // a single value where a list was expected: that one value
  } else if (Array.isArray(value)) {
    if (seg.index < value.length)
      out.push({ path: `${path}[${seg.index}]`, value: value[seg.index] });
  } else out.push({ path, mismatch: true });
}

/** Argument names that get an extractor when the operator configured none (compared as `keyOf`, without `_` and `-`). */
export const DEFAULT_EXTRACTOR_NAMES: Readonly<Record<string, ExtractorKind>> = {
  url: 'url',
  uri: 'url',
  urls: 'url',
  uris: 'url',
  endpoint: 'url',
  endpoints: 'url',
  href: 'url',
  link: 'url',
  links: 'url',
  webhook: 'url',
  callback: 'url',
  to: 'email',
  cc: 'email',
  bcc: 'email',
  recipient: 'email',
  recipients: 'email',
  email: 'email',
  emails: 'email',
  replyto: 'email',
  host: 'host',
  hostname: 'host',
  hosts: 'host',
  hostnames: 'host',
};

/**
 * The default extractor kind for an argument name, if any: a name above, or one ending in
 * `url`, `uri`, `urls`, `uris` (`callback_url`, `targetUri`).
 */
function defaultKindFor(name: string): ExtractorKind | undefined {
  const key = keyOf(name).replace(/[_-]/gu, '');
  if (Object.hasOwn(DEFAULT_EXTRACTOR_NAMES, key)) return DEFAULT_EXTRACTOR_NAMES[key];
  return /(?:url|uri)s?$/u.test(key) ? 'url' : undefined;
}

/**
 * The default extractors for an input schema: one per top-level property whose name (any case)
 * is in `DEFAULT_EXTRACTOR_NAMES`. At call time the arguments are scanned at every depth too.
 *
 * @example defaultExtractors({ type: 'object', properties: { url: { type: 'string' } } }) // [{ path: 'url', kind: 'url' }]
 */
export function defaultExtractors(inputSchema: unknown): ArgumentExtractor[] {
  const props =
    isRecord(inputSchema) && isRecord(inputSchema.properties)
      ? Object.keys(inputSchema.properties)
      : [];
  return props.flatMap((name) => {
    const kind = defaultKindFor(name);
    return kind ? [{ path: name, kind }] : [];
  });
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

type DestinationKind = 'email' | 'url' | 'host';
type Hit = { path: string; value: unknown; kind: DestinationKind };

/**
 * Every value in `args` (to `MAX_SCAN_DEPTH`) that names a destination: a string that is a whole
 * absolute URL or a whole IP literal (`looksLikeIpLiteral`) wherever it is, and, when `byName`, any value under a key named as in
 * `DEFAULT_EXTRACTOR_NAMES` (an array under such a key: each element). False when the scan
 * stopped short (too deep, too many values and containers): the caller refuses the call.
 */
function scan(args: unknown, byName: boolean, out: Hit[]): boolean {
  let nodes = 0;
  let complete = true;
  const visit = (
    value: unknown,
    path: string,
    depth: number,
    kind: DestinationKind | undefined,
  ): void => {
    if (++nodes > MAX_SCAN_NODES) {
      complete = false;
      return;
    }
    if (value === null || value === undefined) return;
    if (typeof value !== 'object') {
      if (kind) out.push({ path, value, kind });
      else if (typeof value === 'string' && looksLikeUrl(value))
        out.push({ path, value, kind: 'url' });
      else if (typeof value === 'string' && looksLikeIpLiteral(value))
        out.push({ path, value, kind: 'host' });
      return;
    }
    if (depth >= MAX_SCAN_DEPTH) {
      if (Object.keys(value).length > 0) complete = false; // an empty one holds nothing, as flattenArguments agrees
      return;
    }
    // A list under a destination name is a list of destinations; an object starts over by name.
    if (Array.isArray(value)) value.forEach((el, i) => visit(el, `${path}[${i}]`, depth + 1, kind));
    else {
      for (const [k, v] of Object.entries(value)) {
        const named = byName ? defaultKindFor(k) : undefined;
        visit(
          v,
          path === '' ? k : `${path}.${k}`,
          depth + 1,
          named === 'path' || named === 'string' ? undefined : named,
        );
      }
    }
  };
  visit(args, '', 0, undefined);
  return complete;
}

function read(kind: DestinationKind, value: string): Reading {
  if (kind === 'email') return readEmail(value);
  if (kind === 'url') return readUrl(value);
  return readHost(value);
}

/** `messages[1].to` as the flattened argument path Cedar's tags use: `messages.1.to`. */
const flatPath = (path: string): string => path.replace(/\[(\d+)\]/gu, '.$1');

/** Destinations in first-seen order, one per host; a host seen allowed once and not allowed once is not allowed. */
function distinct(
  hosts: readonly { host: string; via: Via }[],
  rules: DestinationRules,
  toolDestinations: readonly string[],
): Destination[] {
  const byHost = new Map<string, Destination>();
  for (const { host, via } of hosts) {
    const d = classify(host, via, rules, toolDestinations);
    const seen = byHost.get(host);
    byHost.set(host, seen ? { ...seen, allowed: seen.allowed && d.allowed } : d);
  }
  return [...byHost.values()];
}

/**
 * The decision context a call's arguments yield under a tool's extractors. The operator's
 * extractors are followed; every string that is a whole absolute URL is read as one at any depth
 * up to `MAX_SCAN_DEPTH`; when the tool's extractors are defaults, every key named as in
 * `DEFAULT_EXTRACTOR_NAMES` is read too, at any depth and with its case and surrounding
 * whitespace ignored (`{ target: { "URL ": … } }`, `urls: [...]`). A tool whose catalog
 * destinations are `*` and whose arguments name none reaches `*`, an unknown external
 * destination. Never throws: what cannot be read as a destination is `<invalid>`, what has more
 * than one reading is a problem.
 *
 * @example extractContext({ extractors: [{ path: 'to', kind: 'email' }] }, { to: 'a@partner.com' }, ['example.org'])
 *   // { destinations: [{ host: 'partner.com', external: true, network: 'public', allowed: false }], … }
 */
export function extractContext(
  tool: ExtractionTarget,
  args: unknown,
  rulesOrDomains: DestinationRules | readonly string[],
): ExtractedContext {
  const rules = Array.isArray(rulesOrDomains)
    ? destinationRules(rulesOrDomains)
    : (rulesOrDomains as DestinationRules);
  const hosts: { host: string; via: Via }[] = [];
  const strings: Record<string, string> = Object.create(null) as Record<string, string>;
  const paths: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: string[] = [];
  const take = (kind: DestinationKind, path: string, value: unknown): void => {
    // INVARIANT: a destination kind that meets anything but a string yields `<invalid>`.
    if (typeof value !== 'string') return void hosts.push({ host: INVALID_HOST, via: kind });
    const r = read(kind, value);
    if ('problem' in r)
      problems.push(`argument \`${path.slice(0, 80)}\` has more than one reading: ${r.problem}`);
    else hosts.push(...r.hosts);
  };
  for (const { path, kind, root } of tool.extractors) {
    const destination = kind === 'email' || kind === 'url' || kind === 'host';
    let found: Found[];
    try {
      found = resolve(args, parseExtractorPath(path));
    } catch {
      if (destination) hosts.push({ host: INVALID_HOST, via: kind });
      continue;
    }
    const overflow = found.length > MAX_VALUES_PER_EXTRACTOR || found.some((f) => 'overflow' in f);
    if (overflow)
      found = found.slice(0, MAX_VALUES_PER_EXTRACTOR).filter((f) => !('overflow' in f));
    for (const f of found) {
      const value = 'value' in f ? f.value : undefined;
      const raw = scalarString(value);
      if (kind === 'path' && typeof value === 'string') {
        const p = readPath(value, root);
        if ('problem' in p)
          problems.push(`path argument \`${f.path.slice(0, 80)}\` is refused: ${p.problem}`);
        else strings[f.path] = paths[flatPath(f.path)] = p.path;
        continue;
      }
      if (raw !== undefined) strings[f.path] = raw;
      if (!destination || value === null) continue; // null: no value, so no destination
      take(kind, f.path, value);
    }
    if (overflow && destination)
      problems.push(
        `argument \`${path.slice(0, 80)}\` has more than ${MAX_VALUES_PER_EXTRACTOR} values, so not every destination can be read`,
      );
  }
  const hits: Hit[] = [];
  const complete = scan(args, tool.defaulted?.includes('extractors') === true, hits);
  for (const h of hits) take(h.kind, h.path, h.value);
  // INVARIANT: what was not read is refused, never an `<invalid>` destination: `unknown` is not an internal network.
  if (!complete)
    problems.push(
      `its arguments nest deeper than ${MAX_SCAN_DEPTH} levels or hold more than ${MAX_SCAN_NODES} values and containers, so not every destination can be read`,
    );
  const toolDestinations = tool.destinations ?? [];
  if (hosts.length === 0 && toolDestinations.includes(ANY_HOST))
    hosts.push({ host: ANY_HOST, via: 'url' });
  const connected = [...new Set(hosts.filter((h) => h.via !== 'email').map((h) => h.host))];
  return {
    destinations: distinct(hosts, rules, toolDestinations),
    strings: { ...strings },
    paths: { ...paths },
    problems: [...new Set(problems)],
    connected,
  };
}

/** Schemes whose authority is always a network host, a single label (`gopher://metadata/`) included. */
const NETWORK_SCHEMES = new Set([
  'http',
  'https',
  'ws',
  'wss',
  'ftp',
  'ftps',
  'sftp',
  'gopher',
  'dict',
  'tftp',
  'ldap',
  'ldaps',
  'ssh',
  'telnet',
  'smtp',
  'imap',
  'imaps',
  'pop3',
  'redis',
  'rediss',
  'memcached',
  'mongodb',
  'postgres',
  'postgresql',
  'mysql',
  'amqp',
  'amqps',
  'mqtt',
  'mqtts',
  'nats',
  'kafka',
  'git',
  'svn',
  'rtsp',
  'sip',
  'smb',
  'nfs',
  'jdbc',
]);

/**
 * The destination of a resource URI (MCP `resources/read`) with an authority, whatever its scheme
 * (`https:`, `ws:`, `ftp:`, `gopher:`, `redis:`…): its host, which the server connects to. A
 * scheme not in `NETWORK_SCHEMES` with a single-label authority (`inbox://messages/1`) reaches
 * none: that is the server's own namespace; an IP literal, `localhost` or a dotted name there is a host.
 * `file:` (a path on the server), URIs without `//` (`urn:`, `memo:note`) and with an empty authority reach none here. An
 * http(s) URI without `//` and a URI with more than one reading are problems.
 */
export function uriDestinations(
  uri: string,
  rules: DestinationRules,
): { destinations: Destination[]; problems: string[] } {
  // An empty authority (`docs:///x`, `docs://`) names no host either.
  if (
    /^file:/iu.test(uri) ||
    !/^[a-z][a-z0-9+.-]*:/iu.test(uri) ||
    /^[a-z][a-z0-9+.-]*:\/\/(?:[/?#]|$)/iu.test(uri)
  )
    return { destinations: [], problems: [] };
  const r = readStrictUrl(uri);
  if (r === null) return { destinations: [], problems: [] };
  if ('problem' in r)
    return {
      destinations: [],
      problems: [`the resource uri has more than one reading: ${r.problem}`],
    };
  // A server's own scheme with a single-label authority (`inbox://messages/1`) names its own store, not a host.
  const scheme = /^[^:]+/u.exec(uri)![0].toLowerCase();
  if (!NETWORK_SCHEMES.has(scheme) && !/[.:]/u.test(r.host) && r.host !== 'localhost')
    return { destinations: [], problems: [] };
  return { destinations: distinct([{ host: r.host, via: 'url' }], rules, []), problems: [] };
}
