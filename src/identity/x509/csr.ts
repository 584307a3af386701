// The agent side of X.509-SVID issuance: a fresh key and a PKCS#10 CSR proving possession of it.
// The server ignores the CSR's names and sets the SPIFFE ID itself; `spiffeId` is only a hint
// that makes the request readable in logs and to `openssl req -text`.
import { parseSpiffeId } from '../../core/spiffe-id.js';
import { pemOf, subtle, toPem, x509 } from './internal.js';

export interface CreateKeyAndCsrOptions {
  /** Put into the CSR as its only URI SAN. */
  spiffeId?: string;
}

export interface KeyAndCsr {
  /** The new ECDSA P-256 private key, PKCS#8 PEM. Keep it secret. */
  keyPkcs8Pem: string;
  csrPem: string;
}

/**
 * Generates an ECDSA P-256 key and a CSR signed by it.
 *
 * @example
 * const { keyPkcs8Pem, csrPem } = await createKeyAndCsr({ spiffeId: 'spiffe://example.org/agent/42' });
 */
export async function createKeyAndCsr(options: CreateKeyAndCsrOptions = {}): Promise<KeyAndCsr> {
  const spiffeId = options.spiffeId === undefined ? undefined : parseSpiffeId(options.spiffeId).id;
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    // With an empty subject the SAN carries the identity, so RFC 5280 §4.2.1.6 wants it critical.
    extensions: spiffeId
      ? [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], true)]
      : [],
  });
  return {
    keyPkcs8Pem: toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    csrPem: pemOf(csr),
  };
}
