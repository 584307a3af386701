// Issues leaf X.509-SVIDs from a PKCS#10 CSR (spiffe/spiffe standards/X509-SVID.md). The CSR
// only proves possession of the key: its subject and requested extensions are ignored, and the
// identity comes from `spiffeId`, which the caller has already authorized.
import { MandateError } from '../../core/errors.js';
import { parseSpiffeId } from '../../core/spiffe-id.js';
import {
  BACKDATE_MS,
  canonicalPem,
  describeSpki,
  floorToSecond,
  keyIdentifierOf,
  parseCertificate,
  pemOf,
  randomSerialHex,
  signingAlgorithmOf,
  spiffeUris,
  x509,
  type CryptoKey,
} from './internal.js';

/** The signing CA as `issueX509Svid` needs it. */
export interface X509SvidCa {
  certPem: string;
  /** Certificates above the CA up to, not including, the trust anchor; nearest first. */
  chainPems: string[];
  /** From `importCaKey`. */
  privateKey: CryptoKey;
}

export interface IssueX509SvidOptions {
  ca: X509SvidCa;
  csrPem: string;
  /** The leaf's SPIFFE ID: must have a path and be in the CA's trust domain. */
  spiffeId: string;
  ttlSeconds: number;
  /** Epoch ms. */
  now: number;
}

export interface X509Svid {
  certPem: string;
  /** `[CA cert, ...ca.chainPems]`: what a peer needs, with its bundle, to validate the leaf. */
  chainPems: string[];
  notBefore: number;
  notAfter: number;
  /** Lowercase hex of the serial number, without a leading zero octet. */
  serial: string;
}

const MAX_CSR_PEM_LENGTH = 64 * 1024;
// Upper bound keeps a hostile CSR from costing seconds of CPU to verify.
const MAX_RSA_BITS = 8192;
const ALLOWED_HASHES = new Set(['SHA-256', 'SHA-384', 'SHA-512']);
const ALLOWED_KEYS = 'ec p-256, ec p-384 or rsa of 2048 to 8192 bits';

/**
 * Issues an X.509-SVID for `spiffeId` over the key in `csrPem`. Throws `invalid_csr` for a CSR
 * that does not parse, whose signature does not verify, or whose key is not allowed.
 *
 * @example
 * const svid = await issueX509Svid({
 *   ca: { certPem: ca.certPem, chainPems: ca.chainPems, privateKey: await importCaKey(ca.privateKeyPkcs8Pem) },
 *   csrPem, spiffeId: 'spiffe://example.org/agent/42', ttlSeconds: 3600, now: Date.now(),
 * });
 */
export async function issueX509Svid(options: IssueX509SvidOptions): Promise<X509Svid> {
  const { ca, csrPem, spiffeId, ttlSeconds, now } = options;
  const caCert = parseCertificate(ca.certPem, 'internal', 'ca certificate');
  checkSpiffeId(spiffeId, caCert);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new MandateError(
      'invalid_request',
      `svid ttl must be a positive whole number of seconds, got \`${ttlSeconds}\``,
    );
  }
  const caNotAfter = caCert.notAfter.getTime();
  if (!Number.isFinite(now) || now >= caNotAfter)
    throw new MandateError('unavailable', 'the signing ca has expired');

  const csr = await verifiedCsr(csrPem);
  const notBefore = floorToSecond(Math.max(now - BACKDATE_MS, caCert.notBefore.getTime()));
  const notAfter = floorToSecond(Math.min(now + ttlSeconds * 1000, caNotAfter));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: new x509.Name([{ O: ['Mandate'] }]),
    issuer: caCert.subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey: csr.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: signingAlgorithmOf(ca.privateKey),
    extensions: [
      // X509-SVID §4.1, §4.3, §4.4: a leaf, usable as TLS client and server. keyEncipherment is
      // allowed for RSA keys but not needed (TLS 1.3 and ECDHE only sign), so no key gets it.
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
      new x509.AuthorityKeyIdentifierExtension(await keyIdentifierOf(caCert)),
      // X509-SVID §2: exactly one URI SAN, the SPIFFE ID; whatever SANs the CSR asked for are dropped.
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }], false),
    ],
  });
  // A key that does not belong to the CA certificate would yield leaves nobody can validate.
  if (!(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }))) {
    throw new MandateError('internal', 'the ca private key does not match the ca certificate');
  }
  return {
    certPem: pemOf(cert),
    chainPems: [pemOf(caCert), ...ca.chainPems.map(canonicalPem)],
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
    serial: cert.serialNumber.toLowerCase(),
  };
}

function checkSpiffeId(spiffeId: string, caCert: x509.X509Certificate): void {
  const id = parseSpiffeId(spiffeId);
  // X509-SVID §3.1: a leaf's SPIFFE ID has a non-root path.
  if (id.path === '')
    throw new MandateError('invalid_spiffe_id', `leaf spiffe id \`${spiffeId}\` must have a path`);
  const caIds = spiffeUris(caCert);
  if (
    caIds.length > 0 &&
    !caIds.some((caId) => parseSpiffeId(caId).trustDomain === id.trustDomain)
  ) {
    throw new MandateError(
      'invalid_spiffe_id',
      `spiffe id \`${spiffeId}\` is not in the signing ca's trust domain`,
    );
  }
}

async function verifiedCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (typeof csrPem !== 'string' || csrPem.length > MAX_CSR_PEM_LENGTH) {
    throw new MandateError(
      'invalid_csr',
      `csr must be a pem string of at most ${MAX_CSR_PEM_LENGTH} characters`,
    );
  }
  let csr: x509.Pkcs10CertificateRequest;
  let hash: string;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
    hash = csr.signatureAlgorithm.hash?.name ?? 'none';
  } catch (err) {
    throw new MandateError('invalid_csr', 'csr is not a pkcs#10 certificate request', undefined, {
      cause: err,
    });
  }
  checkCsrKey(csr);
  if (!ALLOWED_HASHES.has(hash)) {
    throw new MandateError(
      'invalid_csr',
      `csr signature hash \`${hash}\` is not allowed; use sha-256, sha-384 or sha-512`,
    );
  }
  let ok = false;
  try {
    ok = await csr.verify();
  } catch (err) {
    throw new MandateError('invalid_csr', 'csr signature does not verify', undefined, {
      cause: err,
    });
  }
  if (!ok) throw new MandateError('invalid_csr', 'csr signature does not verify');
  return csr;
}

function checkCsrKey(csr: x509.Pkcs10CertificateRequest): void {
  let kind;
  try {
    kind = describeSpki(csr.publicKey.rawData);
  } catch (err) {
    throw new MandateError(
      'invalid_csr',
      `csr public key is not supported; use ${ALLOWED_KEYS}`,
      undefined,
      { cause: err },
    );
  }
  switch (kind.kind) {
    case 'ec':
      if (kind.curve === 'P-256' || kind.curve === 'P-384') return;
      throw new MandateError(
        'invalid_csr',
        `csr key curve \`${kind.curve}\` is not allowed; use ${ALLOWED_KEYS}`,
      );
    case 'rsa':
      if (kind.bits >= 2048 && kind.bits <= MAX_RSA_BITS) return;
      throw new MandateError(
        'invalid_csr',
        `csr rsa key of ${kind.bits} bits is not allowed; use ${ALLOWED_KEYS}`,
      );
    default:
      throw new MandateError(
        'invalid_csr',
        `csr key type \`${kind.type}\` is not allowed; use ${ALLOWED_KEYS}`,
      );
  }
}
