import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * Which headers cross the proxy. Toward the upstream: the agent's own headers minus the
 * hop-by-hop ones (RFC 9110 §7.6.1), minus everything that carries the agent's credentials
 * (`Authorization`, `DPoP`, `Cookie`: no token passthrough), minus what would let the agent speak
 * for the proxy (`Forwarded`, `X-Forwarded-*`, the identity header, the injected credential's
 * headers); then the proxy's own. Toward the agent: the upstream's headers minus the hop-by-hop
 * ones and those that would hand the agent upstream state (`Set-Cookie`), confuse it about
 * Mandate's own authentication (`WWW-Authenticate`) or pin browser policy on Mandate's origin.
 */

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy `Proxy-Connection` and `Keep-Alive`. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Headers the proxy itself frames or strips: no configured header (identity, credential) may name one. */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'cookie',
  'authorization',
  'dpop',
  'x-request-id',
  'forwarded',
]);

const NEVER_UPSTREAM = new Set([
  ...HOP_BY_HOP,
  'host',
  'content-length',
  'expect',
  'authorization',
  'dpop',
  'cookie',
  'forwarded',
  'x-real-ip',
  'x-request-id',
]);
const NEVER_DOWNSTREAM = new Set([
  ...HOP_BY_HOP,
  'set-cookie',
  'www-authenticate',
  'strict-transport-security',
  'alt-svc',
  'x-request-id',
]);

/** Header names listed in `Connection` are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionListed(value: string | string[] | undefined): Set<string> {
  const all = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(
    all
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** Pairs of `rawHeaders` as one entry per name (lowercase), repeated values kept in order. */
function grouped(rawHeaders: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const list = out.get(name);
    if (list) list.push(rawHeaders[i + 1]!);
    else out.set(name, [rawHeaders[i + 1]!]);
  }
  return out;
}

const flat = (values: string[]): string | string[] => (values.length === 1 ? values[0]! : values);

/**
 * The agent's headers as they may reach the upstream. `reserved` are lowercase names the proxy
 * sets itself (the credential's headers, the identity header): the agent's values are dropped.
 */
export function upstreamHeaders(
  rawHeaders: readonly string[],
  headers: IncomingHttpHeaders,
  reserved: ReadonlySet<string>,
): OutgoingHttpHeaders {
  const listed = connectionListed(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, values] of grouped(rawHeaders)) {
    if (
      NEVER_UPSTREAM.has(name) ||
      listed.has(name) ||
      reserved.has(name) ||
      name.startsWith('x-forwarded-')
    )
      continue;
    out[name] = flat(values);
  }
  return out;
}

/** The upstream's response headers as they may reach the agent. */
export function downstreamHeaders(
  rawHeaders: readonly string[],
  headers: IncomingHttpHeaders,
): OutgoingHttpHeaders {
  const listed = connectionListed(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, values] of grouped(rawHeaders)) {
    if (NEVER_DOWNSTREAM.has(name) || listed.has(name)) continue;
    out[name] = flat(values);
  }
  return out;
}

/** Whether any header value, or the query, holds `needle` (the agent's own token being passed on). */
export function carries(needle: string, headers: OutgoingHttpHeaders, query: string): boolean {
  if (needle.length === 0) return false;
  if (query.includes(needle) || safeDecode(query).includes(needle)) return true;
  return Object.values(headers).some((v) =>
    Array.isArray(v) ? v.some((x) => String(x).includes(needle)) : String(v).includes(needle),
  );
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
