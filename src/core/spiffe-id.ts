import { MandateError } from './errors.js';

/**
 * SPIFFE IDs per the SPIFFE-ID specification (spiffe/spiffe standards/SPIFFE-ID.md).
 *
 * `spiffe://<trust-domain><path>`: the scheme is exactly `spiffe`; the trust domain is
 * lowercase letters, digits, `.`, `-` and `_` (so no port, userinfo or percent-encoding) and at
 * most 255 bytes; the path is empty or `/`-separated segments of letters, digits, `.`, `-` and
 * `_`, none empty, `.` or `..`, with no trailing `/`, query or fragment. The whole ID is at most
 * 2048 bytes.
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

function fail(input: string, reason: string): never {
  throw new MandateError('invalid_spiffe_id', `invalid spiffe id \`${truncate(input)}\`: ${reason}`);
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Checks a trust domain name; returns it unchanged or throws `invalid_spiffe_id`. */
export function parseTrustDomain(name: string): string {
  if (name.length === 0) fail(name, 'trust domain is empty');
  if (Buffer.byteLength(name) > MAX_TRUST_DOMAIN_BYTES) fail(name, `trust domain exceeds ${MAX_TRUST_DOMAIN_BYTES} bytes`);
  for (const ch of name) {
    if (TRUST_DOMAIN_CHAR.test(ch)) continue;
    if (ch >= 'A' && ch <= 'Z') fail(name, 'trust domain must be lowercase');
    if (ch === ':') fail(name, 'trust domain must not contain a port');
    if (ch === '@') fail(name, 'trust domain must not contain userinfo');
    if (ch === '%') fail(name, 'trust domain must not be percent-encoded');
    fail(name, `trust domain contains the disallowed character \`${ch}\``);
  }
  return name;
}

/** Checks a path (empty or starting with `/`); returns it unchanged or throws. */
export function parseSpiffePath(path: string, input = path): string {
  if (path === '') return path;
  if (path[0] !== '/') fail(input, 'path must start with `/`');
  const segments = path.slice(1).split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '') fail(input, i === segments.length - 1 ? 'path must not end with `/`' : 'path has an empty segment');
    if (segment === '.' || segment === '..') fail(input, `path segment \`${segment}\` is not allowed`);
    for (const ch of segment) {
      if (PATH_CHAR.test(ch)) continue;
      if (ch === '%') fail(input, 'path must not be percent-encoded');
      if (ch === '?') fail(input, 'spiffe id must not have a query');
      if (ch === '#') fail(input, 'spiffe id must not have a fragment');
      fail(input, `path contains the disallowed character \`${ch}\``);
    }
  }
  return path;
}

/** Parses and validates a SPIFFE ID string. Throws `MandateError('invalid_spiffe_id')`. */
export function parseSpiffeId(input: string): SpiffeId {
  if (typeof input !== 'string' || input.length === 0) fail(String(input), 'spiffe id is empty');
  if (Buffer.byteLength(input) > MAX_SPIFFE_ID_BYTES) fail(input, `spiffe id exceeds ${MAX_SPIFFE_ID_BYTES} bytes`);
  if (!input.startsWith(SCHEME_PREFIX)) fail(input, 'scheme must be `spiffe://`');
  const rest = input.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (trustDomain === '') fail(input, 'trust domain is empty');
  try {
    parseTrustDomain(trustDomain);
  } catch (err) {
    if (err instanceof MandateError) fail(input, err.message.replace(/^invalid spiffe id `[^`]*`: /, ''));
    throw err;
  }
  parseSpiffePath(path, input);
  return { trustDomain, path, id: input };
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

/** Builds a SPIFFE ID from a trust domain and path segments, validating the result. */
export function spiffeIdFrom(trustDomain: string, ...segments: string[]): SpiffeId {
  const path = segments.length ? `/${segments.join('/')}` : '';
  return parseSpiffeId(`${SCHEME_PREFIX}${trustDomain}${path}`);
}

/** The SPIFFE ID of a trust domain itself (no path), as a signing CA carries. */
export function trustDomainId(trustDomain: string): string {
  return `${SCHEME_PREFIX}${parseTrustDomain(trustDomain)}`;
}
