/**
 * The request target of `/proxy/<service>/<path>?<query>`, read from the raw request line and
 * checked before anything matches it. Upstreams disagree on how to read odd paths (a `%2f` as a
 * slash, `..;` as `..` in Tomcat, `\` as `/` in IIS, a full-width dot as a dot after Unicode
 * normalization), so an allowlist is only sound when every path has exactly one reading: any path
 * that could be read two ways is refused, never normalized. What is forwarded is the canonical
 * form of what was matched, so the upstream sees the path the allowlist saw.
 */

export interface RequestTarget {
  service: string;
  /** Percent-decoded path segments after `/proxy/<service>`; `/` is none. */
  segments: string[];
  trailingSlash: boolean;
  /** The path as forwarded: each segment re-encoded in one canonical way. */
  path: string;
  /** The raw query string (without `?`), forwarded as is; empty when none. */
  query: string;
}

const PREFIX = '/proxy/';
const SERVICE = /^[a-z0-9-]{1,32}$/;
// RFC 3986 pchar: unreserved, sub-delims, `:`, `@`, percent-escapes.
const RAW_SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*$/;
// RFC 3986 query: pchar, `/`, `?`.
const RAW_QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;
// Characters kept unescaped in a forwarded segment (pchar without `%`).
const SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;
const MAX_SEGMENTS = 128;
const MAX_TARGET = 8192;

/** Just the service name of a raw target, or undefined when there is none. */
export function serviceOf(rawUrl: string): string | undefined {
  if (!rawUrl.startsWith(PREFIX)) return undefined;
  const name = rawUrl.slice(PREFIX.length).split(/[/?#]/, 1)[0] ?? '';
  return SERVICE.test(name) ? name : undefined;
}

/** The raw path of a target (what a DPoP proof's `htu` names), without its query. */
export function rawPathOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  return q < 0 ? rawUrl : rawUrl.slice(0, q);
}

/** Parses and checks a raw target; `{ error }` says why a path is refused. */
export function parseRequestTarget(rawUrl: string): RequestTarget | { error: string } {
  if (rawUrl.length > MAX_TARGET) return { error: 'the request target is too long' };
  if (rawUrl.includes('#')) return { error: 'the request target must not carry a fragment' };
  const service = serviceOf(rawUrl);
  if (service === undefined) return { error: 'the request target must be `/proxy/<service>/...`' };
  const q = rawUrl.indexOf('?');
  const rawPath = (q < 0 ? rawUrl : rawUrl.slice(0, q)).slice(PREFIX.length + service.length);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  if (!rawPath.startsWith('/'))
    return { error: 'the path must start with `/` after the service name' };
  if (!RAW_QUERY.test(query))
    return {
      error: 'the query string has characters that must be percent-encoded, or a malformed escape',
    };
  const parts = rawPath.slice(1).split('/');
  if (parts.length > MAX_SEGMENTS)
    return { error: `the path has more than ${MAX_SEGMENTS} segments` };
  let trailingSlash = false;
  if (parts.length > 1 && parts.at(-1) === '') {
    trailingSlash = true;
    parts.pop();
  }
  if (parts.length === 1 && parts[0] === '') parts.pop();
  const segments: string[] = [];
  for (const raw of parts) {
    const checked = segment(raw);
    if (typeof checked !== 'string') return checked;
    segments.push(checked);
  }
  const path = `/${segments.map(encodeSegment).join('/')}${trailingSlash ? '/' : ''}`;
  return { service, segments, trailingSlash, path, query };
}

/** One segment, decoded, or why it is ambiguous. */
function segment(raw: string): string | { error: string } {
  if (raw === '') return { error: 'the path must not have an empty segment (`//`)' };
  if (!RAW_SEGMENT.test(raw))
    return { error: 'the path has characters that must be percent-encoded, or a malformed escape' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { error: 'the path has a percent-escape that is not utf-8' };
  }
  for (const form of new Set([decoded, decoded.normalize('NFKC')])) {
    if (/[/\\]/.test(form))
      return { error: 'the path must not encode `/` or `\\` in a segment (`%2f`, `%5c`)' };
    if (form.includes('%')) return { error: 'the path must not be percent-encoded twice (`%25`)' };
    // Tomcat reads `..;x` as `..`: the part before a `;` must not be a dot segment either.
    const head = form.split(';', 1)[0]!;
    if (head === '.' || head === '..')
      return { error: 'the path must not have `.` or `..` segments, plain or encoded' };
  }
  if (/[\p{Cc}\p{Cf}]/u.test(decoded))
    return { error: 'the path must not encode control or format characters' };
  return decoded;
}

/** A decoded segment in its one canonical encoding: pchar kept, everything else as UTF-8 escapes. */
export function encodeSegment(decoded: string): string {
  let out = '';
  // encodeURIComponent leaves only characters of SAFE unescaped, so this is exact.
  for (const ch of decoded) out += SAFE.test(ch) ? ch : encodeURIComponent(ch);
  return out;
}

/** The query as the decision sees it: each key to its value, or to every value when repeated. */
export function queryArguments(query: string): Record<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  for (const [k, v] of new URLSearchParams(query)) {
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]);
  }
  // fromEntries defines own properties, so a key such as `__proto__` stays data.
  return Object.fromEntries(out);
}
