import { MandateError } from './errors.js';

/**
 * SPIFFE IDs per the SPIFFE-ID specification (spiffe/spiffe standards/SPIFFE-ID.md).
 *
 * `spiffe://<trust-domain><path>`: the scheme is exactly `spiffe`; the trust domain is
 * lowercase letters, digits, `.`, `-` and `_` (so no port, userinfo or percent-encoding) and at
 * most 255 bytes; the path is empty or `/`-separated segments of letters, digits, `.`, `-` and
 * `_`, none empty, `.` or `..`, with no trailing `/`, query or fragment. The whole ID is at most
 * 2048 bytes.
 *
 * §2.4 makes the scheme and trust domain case-insensitive, but §2.1 requires the trust domain to
 * be lowercase; like go-spiffe we accept only the lowercase form, so a valid ID has one spelling
 * and IDs compare with `===`.
 */
export interface SpiffeId {
  readonly trustDomain: string;
  /** Empty, or starts with `/`. */
  readonly path: string;
  /** The canonical string form. */
  readonly id: string;
}

const SCHEME_PREFIX = 'spiffe://';
export const MAX_SPIFFE_ID_BYTES = 2048;
export const MAX_TRUST_DOMAIN_BYTES = 255;

const TRUST_DOMAIN_CHAR = /^[a-z0-9._-]$/;
const PATH_CHAR = /^[a-zA-Z0-9._-]$/;
// Characters that would break a one-line message or hide its text (controls, bidi overrides,
// line separators, lone surrogates).
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function fail(kind: 'spiffe id' | 'trust domain', input: string, reason: string): never {
  throw new MandateError(
    'invalid_spiffe_id',
    `invalid ${kind} \`${show(truncate(input))}\`: ${reason}`,
  );
}

function truncate(s: string): string {
  const chars = Array.from(s);
  return chars.length > 80 ? `${chars.slice(0, 77).join('')}...` : s;
}

function show(s: string): string {
  return s.replace(UNPRINTABLE, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

/** Why `name` is not a valid trust domain (SPIFFE-ID §2.1, §2.3), or undefined when it is. */
function trustDomainProblem(name: string): string | undefined {
  if (name.length === 0) return 'trust domain is empty';
  if (Buffer.byteLength(name) > MAX_TRUST_DOMAIN_BYTES)
    return `trust domain exceeds ${MAX_TRUST_DOMAIN_BYTES} bytes`;
  // Structural mistakes first, so `user:pw@host` reports userinfo rather than a port.
  if (name.includes('://')) return 'trust domain must not include a scheme';
  if (name.includes('@')) return 'trust domain must not contain userinfo';
  if (name.startsWith('[')) return 'trust domain must not be an ip literal';
  if (name.includes(':')) return 'trust domain must not contain a port';
  if (name.includes('%')) return 'trust domain must not be percent-encoded';
  for (const ch of name) {
    if (TRUST_DOMAIN_CHAR.test(ch)) continue;
    if (ch >= 'A' && ch <= 'Z') return 'trust domain must be lowercase';
    return `trust domain contains the disallowed character \`${show(ch)}\``;
  }
  return undefined;
}

/** Why `segment` is not a valid path segment (SPIFFE-ID §2, §2.2), or undefined when it is. */
function segmentProblem(segment: string): string | undefined {
  if (segment === '') return 'path has an empty segment';
  if (segment === '.' || segment === '..') return `path segment \`${segment}\` is not allowed`;
  for (const ch of segment) {
    if (PATH_CHAR.test(ch)) continue;
    if (ch === '%') return 'path must not be percent-encoded';
    if (ch === '?') return 'spiffe id must not have a query';
    if (ch === '#') return 'spiffe id must not have a fragment';
    if (ch === '/') return `path segment \`${show(truncate(segment))}\` must not contain \`/\``;
    return `path contains the disallowed character \`${show(ch)}\``;
  }
  return undefined;
}

/** Why `path` is not a valid path (empty, or `/`-prefixed segments), or undefined when it is. */
function pathProblem(path: string): string | undefined {
  if (path === '') return undefined;
  if (path[0] !== '/') return 'path must start with `/`';
  const segments = path.slice(1).split('/');
  for (const [i, segment] of segments.entries()) {
    // An empty last segment is a trailing `/`; an empty segment elsewhere is a `//`.
    const problem =
      segment === '' && i === segments.length - 1
        ? 'path must not end with `/`'
        : segmentProblem(segment);
    if (problem) return problem;
  }
  return undefined;
}

/** Checks a trust domain name; returns it unchanged or throws `invalid_spiffe_id`. */
export function parseTrustDomain(name: string): string {
  const problem = trustDomainProblem(name);
  if (problem) fail('trust domain', name, problem);
  return name;
}

/** Checks a path (empty or starting with `/`); returns it unchanged or throws `invalid_spiffe_id`. */
export function parseSpiffePath(path: string, input = path): string {
  const problem = pathProblem(path);
  if (problem) fail('spiffe id', input, problem);
  return path;
}

/** Parses and validates a SPIFFE ID string. Throws `MandateError('invalid_spiffe_id')`. */
export function parseSpiffeId(input: string): SpiffeId {
  if (typeof input !== 'string') fail('spiffe id', String(input), 'spiffe id must be a string');
  if (input.length === 0) fail('spiffe id', input, 'spiffe id is empty');
  // SPIFFE-ID §2.3: implementations must accept up to 2048 bytes; we accept no more.
  if (Buffer.byteLength(input) > MAX_SPIFFE_ID_BYTES)
    fail('spiffe id', input, `spiffe id exceeds ${MAX_SPIFFE_ID_BYTES} bytes`);
  if (!input.startsWith(SCHEME_PREFIX)) fail('spiffe id', input, 'scheme must be `spiffe://`');
  const rest = input.slice(SCHEME_PREFIX.length);
  // RFC 3986 §3.2: the authority ends at the first `/`, `?` or `#`.
  const end = rest.search(/[/?#]/);
  const trustDomain = end === -1 ? rest : rest.slice(0, end);
  const tail = end === -1 ? '' : rest.slice(end);
  const problem =
    trustDomainProblem(trustDomain) ??
    (tail.startsWith('?') ? 'spiffe id must not have a query' : undefined) ??
    (tail.startsWith('#') ? 'spiffe id must not have a fragment' : undefined) ??
    pathProblem(tail);
  if (problem) fail('spiffe id', input, problem);
  return { trustDomain, path: tail, id: input };
}

/** True when `input` is a valid SPIFFE ID. */
export function isSpiffeId(input: string): boolean {
  try {
    parseSpiffeId(input);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a SPIFFE ID from a trust domain and path segments, validating each segment on its own
 * (a segment containing `/` is rejected, not split), then the whole ID.
 */
export function spiffeIdFrom(trustDomain: string, ...segments: string[]): SpiffeId {
  parseTrustDomain(trustDomain);
  const path = segments.map((s) => `/${s}`).join('');
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem) fail('spiffe id', `${SCHEME_PREFIX}${trustDomain}${path}`, problem);
  }
  return parseSpiffeId(`${SCHEME_PREFIX}${trustDomain}${path}`);
}

/** The SPIFFE ID of a trust domain itself (no path), as a signing CA carries. */
export function trustDomainId(trustDomain: string): string {
  return `${SCHEME_PREFIX}${parseTrustDomain(trustDomain)}`;
}
