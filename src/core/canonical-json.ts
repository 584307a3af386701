import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

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
