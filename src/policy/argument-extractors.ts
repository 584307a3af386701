import { posix } from 'node:path';
import { MandateError } from '../core/errors.js';
import { isIpLiteral, isPrivateIp, normalizeHost } from '../core/host.js';

/**
 * Argument extractors turn a tool call's arguments into decision context: the hosts a call will
 * reach (`send_email.to` → the recipient's domain, `http_get.url` → the URL's host) and string
 * values a policy may match on. Everything here fails closed: a value that should name a
 * destination but cannot be read as one becomes the destination `<invalid>`, which is external.
 */

export type ExtractorKind = 'email' | 'url' | 'host' | 'path' | 'string';
export const EXTRACTOR_KINDS = ['email', 'url', 'host', 'path', 'string'] as const satisfies readonly ExtractorKind[];

/**
 * One extractor. `path` names argument values: `to`, `headers.Host`, `recipients[*]`,
 * `messages[*].to`, `items[0].url`. Keys match case-insensitively (HTTP header names do, and an
 * agent must not slip past `headers.Host` by sending `host`); a key segment applied to an array
 * applies to each element; an array at the end of the path yields each element.
 */
export interface ArgumentExtractor {
  readonly path: string;
  readonly kind: ExtractorKind;
}

/** A host a call reaches, and whether it lies outside the configured internal domains. */
export interface Destination {
  readonly host: string;
  readonly external: boolean;
}

export interface ExtractedContext {
  /** Distinct destinations in first-seen order. */
  readonly destinations: Destination[];
  /** Every extracted value by its concrete path (`to`, `recipients[1]`); `path` kinds normalized. */
  readonly strings: Record<string, string>;
}

/** What extraction needs from a catalog tool. */
export interface ExtractionTarget {
  readonly extractors: readonly ArgumentExtractor[];
  /** Catalog fields that hold defaults; `extractors` here adds name-based defaults for argument keys. */
  readonly defaulted?: readonly string[];
}

/** The destination given for a value that should name a host but does not. */
export const INVALID_HOST = '<invalid>';
/** Values one extractor may yield before the rest are summarized as one `<invalid>` destination. */
export const MAX_VALUES_PER_EXTRACTOR = 256;
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
    if (!m || (key !== undefined && m[0].startsWith('.') === (segments.length === 0)) || (key === undefined && segments.length === 0)) break;
    segments.push(key !== undefined ? { key } : m[2] === '*' ? { each: true } : { index: Number(m[2]) });
    rest = rest.slice(m[0].length);
  }
  if (rest !== '' || segments.length === 0 || segments.length > MAX_PATH_SEGMENTS) {
    throw new MandateError('invalid_request', `invalid argument path \`${path.slice(0, 80)}\`: expected keys joined by \`.\`, with \`[*]\` or \`[n]\` for arrays`, { path });
  }
  return segments;
}

/** A resolved value, or a container of the wrong type where the path expected another. */
type Found = { path: string; value: unknown } | { path: string; mismatch: true };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function resolve(args: unknown, segments: Segment[]): Found[] {
  let found: Found[] = [{ path: '', value: args }];
  for (const seg of segments) {
    const next: Found[] = [];
    for (const f of found) {
      if ('mismatch' in f) next.push(f);
      else step(f.path, f.value, seg, next);
      if (next.length > MAX_VALUES_PER_EXTRACTOR) {
        next.length = MAX_VALUES_PER_EXTRACTOR;
        next.push({ path: f.path, mismatch: true }); // what is not looked at is unknown
        break;
      }
    }
    found = next;
  }
  // An array at the end of the path stands for its elements.
  return found.flatMap((f) => ('value' in f && Array.isArray(f.value) ? f.value.map((value, i) => ({ path: `${f.path}[${i}]`, value })) : [f]));
}

function matchKey(path: string, value: unknown, key: string, out: Found[]): void {
  if (value === undefined || value === null) return;
  if (!isRecord(value)) {
    out.push({ path, mismatch: true });
    return;
  }
  const want = key.toLowerCase();
  for (const k of Object.keys(value)) if (k.toLowerCase() === want) out.push({ path: path === '' ? k : `${path}.${k}`, value: value[k] });
}

function step(path: string, value: unknown, seg: Segment, out: Found[]): void {
  if (value === undefined || value === null) return;
  if ('key' in seg) {
    // A key applied to a list applies to each element (one level: nesting never recurses).
    if (Array.isArray(value)) value.forEach((el, i) => matchKey(`${path}[${i}]`, el, seg.key, out));
    else matchKey(path, value, seg.key, out);
  } else if ('each' in seg) {
    if (Array.isArray(value)) value.forEach((el, i) => out.push({ path: `${path}[${i}]`, value: el }));
    else out.push({ path, value }); // a single value where a list was expected: that one value
  } else if (Array.isArray(value)) {
    if (seg.index < value.length) out.push({ path: `${path}[${seg.index}]`, value: value[seg.index] });
  } else out.push({ path, mismatch: true });
}

/** Splits an address list on `,` and `;` outside quotes and angle brackets. */
function splitAddresses(list: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '"' && list[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') angle = true;
    else if (!quoted && ch === '>') angle = false;
    else if (!quoted && !angle && (ch === ',' || ch === ';')) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** The domain of one address (`a@b.org`, `Name <a@b.org>`, `a@[10.0.0.1]`), normalized. */
function emailHost(address: string): string {
  const open = address.lastIndexOf('<');
  const close = address.indexOf('>', open);
  const addr = open === -1 ? address : address.slice(open + 1, close === -1 ? undefined : close);
  const at = addr.lastIndexOf('@');
  if (at <= 0) return INVALID_HOST;
  let domain = addr.slice(at + 1).trim();
  if (domain.startsWith('[') && domain.endsWith(']')) domain = domain.slice(1, -1).replace(/^ipv6:/iu, '');
  return normalizeHost(domain) ?? INVALID_HOST;
}

/** The hosts an email address list names; an unreadable list is one `<invalid>`. */
export function emailHosts(value: string): string[] {
  const addresses = splitAddresses(value);
  return addresses.length === 0 ? [INVALID_HOST] : addresses.map(emailHost);
}

/**
 * The host an absolute URL reaches (`mailto:` URLs: the recipients' domains). A URL without a
 * host (`file:`, `data:`, a relative or scheme-less reference) is `<invalid>`: the tool would
 * resolve it against something Mandate cannot see.
 */
export function urlHosts(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return [INVALID_HOST];
  }
  if (url.protocol === 'mailto:') return emailHosts(decodeURIComponentSafe(url.pathname));
  if (url.hostname === '') return [INVALID_HOST];
  return [normalizeHost(url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname) ?? INVALID_HOST];
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Lowercased internal-domain entry without a leading `*.`/`.` or trailing `.`; `''` when unusable. */
function normalizeDomain(d: string): string {
  const stripped = d.trim().toLowerCase().replace(/^\*?\./u, '');
  return normalizeHost(stripped) ?? '';
}

/**
 * True when `host` is outside the internal domains. Internal: equal to or a subdomain of a
 * configured domain (`example.org` covers `mail.example.org`, not `badexample.org`), `localhost`
 * and `*.localhost`, an IP literal in a private, loopback or link-local range, or an IP literal
 * listed verbatim. `<invalid>` and `*` are always external. Empty entries never match.
 *
 * @example isExternal('mail.example.org', ['example.org']) // false
 * @example isExternal('10.0.0.7', []) // false
 * @example isExternal('example.org.evil.com', ['example.org']) // true
 */
export function isExternal(host: string, internalDomains: readonly string[]): boolean {
  const h = normalizeHost(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
  if (h === undefined) return true;
  if (isIpLiteral(h)) return !(isPrivateIp(h) || internalDomains.some((d) => normalizeDomain(d) === h));
  if (h === 'localhost' || h.endsWith('.localhost')) return false;
  return !internalDomains.some((entry) => {
    const d = normalizeDomain(entry);
    return d !== '' && !isIpLiteral(d) && (h === d || h.endsWith(`.${d}`));
  });
}

/** Argument names that get an extractor when the operator configured none. */
export const DEFAULT_EXTRACTOR_NAMES: Readonly<Record<string, ExtractorKind>> = {
  url: 'url', uri: 'url', endpoint: 'url',
  to: 'email', cc: 'email', bcc: 'email', recipients: 'email', email: 'email',
  host: 'host', hostname: 'host',
};

/** The default extractor kind for an argument name, if any. */
function defaultKindFor(name: string): ExtractorKind | undefined {
  const lower = name.toLowerCase();
  return Object.hasOwn(DEFAULT_EXTRACTOR_NAMES, lower) ? DEFAULT_EXTRACTOR_NAMES[lower] : undefined;
}

/**
 * The default extractors for an input schema: one per top-level property whose name (any case)
 * is in `DEFAULT_EXTRACTOR_NAMES`.
 *
 * @example defaultExtractors({ type: 'object', properties: { url: { type: 'string' } } }) // [{ path: 'url', kind: 'url' }]
 */
export function defaultExtractors(inputSchema: unknown): ArgumentExtractor[] {
  const props = isRecord(inputSchema) && isRecord(inputSchema.properties) ? Object.keys(inputSchema.properties) : [];
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

/**
 * The decision context a call's arguments yield under a tool's extractors. When the tool's
 * extractors are defaults, top-level argument keys named as in `DEFAULT_EXTRACTOR_NAMES` are
 * extracted too, so that a tool without an input schema still has its `url` read. Never throws:
 * a path that does not parse, a container of the wrong type, or a non-string value where a
 * destination was expected all yield `<invalid>`, external.
 *
 * @example extractContext({ extractors: [{ path: 'to', kind: 'email' }] }, { to: 'a@partner.com' }, ['example.org'])
 *   // { destinations: [{ host: 'partner.com', external: true }], strings: { to: 'a@partner.com' } }
 */
export function extractContext(tool: ExtractionTarget, args: unknown, internalDomains: readonly string[]): ExtractedContext {
  const hosts: string[] = [];
  const strings: Record<string, string> = Object.create(null) as Record<string, string>;
  const extractors = [...tool.extractors];
  if (tool.defaulted?.includes('extractors') && isRecord(args)) {
    for (const key of Object.keys(args)) {
      const kind = defaultKindFor(key);
      if (kind && !extractors.some((e) => e.path.toLowerCase() === key.toLowerCase())) extractors.push({ path: key, kind });
    }
  }
  for (const { path, kind } of extractors) {
    const destination = kind === 'email' || kind === 'url' || kind === 'host';
    let found: Found[];
    try {
      found = resolve(args, parseExtractorPath(path));
    } catch {
      if (destination) hosts.push(INVALID_HOST);
      continue;
    }
    const overflow = found.length > MAX_VALUES_PER_EXTRACTOR;
    if (overflow) found = found.slice(0, MAX_VALUES_PER_EXTRACTOR);
    for (const f of found) {
      const value = 'value' in f ? f.value : undefined;
      const raw = scalarString(value);
      if (raw !== undefined) strings[f.path] = kind === 'path' ? posix.normalize(raw) : raw;
      if (!destination || value === null) continue; // null: no value, so no destination
      // INVARIANT: a destination kind that meets anything but a string yields `<invalid>`.
      if (typeof value !== 'string') hosts.push(INVALID_HOST);
      else if (kind === 'email') hosts.push(...emailHosts(value));
      else if (kind === 'url') hosts.push(...urlHosts(value));
      else hosts.push(normalizeHost(value) ?? INVALID_HOST);
    }
    if (overflow && destination) hosts.push(INVALID_HOST); // values not looked at are unknown destinations
  }
  const distinct = [...new Set(hosts)];
  return { destinations: distinct.map((host) => ({ host, external: isExternal(host, internalDomains) })), strings: { ...strings } };
}
