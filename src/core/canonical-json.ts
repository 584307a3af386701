import canonicalizeModule from 'canonicalize';
import { createHash } from 'node:crypto';

// The package is CommonJS whose module.exports is the function; its typings claim an ES
// default export, so under NodeNext the default import is typed as the namespace.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** RFC 8785 (JSON Canonicalization Scheme) serialization. */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError('value has no JSON representation');
  return out;
}

/** Lowercase hex SHA-256 of a value's canonical JSON. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
