import { X509Certificate } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { parseSpiffeId } from '../core/spiffe-id.js';

/** A client's X.509-SVID as presented in a TLS handshake, leaf first (DER). */
export type PeerChain = Buffer[];

/**
 * Verifies an X.509-SVID chain for mutual-TLS client authentication
 * (draft-ietf-oauth-spiffe-client-auth-02 §3.2): the path up to one of this trust domain's
 * roots (never the system store), exactly one URI SAN that is a SPIFFE ID of this trust
 * domain, a leaf (CA:FALSE) with digitalSignature, inside its validity period.
 */
export function verifyX509Svid(
  chain: PeerChain,
  rootPems: string[],
  trustDomain: string,
  clock: Clock,
): string {
  const fail = (message: string): never => {
    throw new MandateError('invalid_client', `client certificate ${message}`, {
      reason: 'bad_certificate',
    });
  };
  if (chain.length === 0) fail('is missing');
  let certs: X509Certificate[];
  try {
    certs = chain.map((der) => new X509Certificate(der));
  } catch {
    return fail('cannot be parsed');
  }
  const leaf = certs[0]!;
  const now = new Date(clock.now());
  for (const c of certs)
    if (new Date(c.validFrom) > now || new Date(c.validTo) <= now)
      fail('is outside its validity period');
  if (leaf.ca) fail('is a CA certificate, not an X.509-SVID');
  const uris = (leaf.subjectAltName ?? '').split(/,\s*/).filter((n) => n.startsWith('URI:'));
  if (uris.length !== 1) fail(`must have exactly one URI SAN, has ${uris.length}`);
  const spiffeId = uris[0]!.slice(4);
  let td: string;
  try {
    td = parseSpiffeId(spiffeId).trustDomain;
  } catch {
    return fail('URI SAN is not a SPIFFE ID');
  }
  if (td !== trustDomain) fail(`belongs to trust domain \`${td}\`, not \`${trustDomain}\``);
  // Node exposes the extended key usage OIDs as `keyUsage`; an SVID that restricts them must allow clientAuth.
  if (leaf.keyUsage?.length && !leaf.keyUsage.includes('1.3.6.1.5.5.7.3.2'))
    fail('does not allow client authentication');
  const roots = rootPems.map((p) => new X509Certificate(p));
  // Walk up the presented chain until a certificate is signed by a trusted root.
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i]!;
    const root = roots.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
    if (root) return spiffeId;
    const next = certs[i + 1];
    if (!next || !next.ca || !cert.checkIssued(next) || !cert.verify(next.publicKey)) break;
  }
  return fail("does not chain to this trust domain's bundle");
}
