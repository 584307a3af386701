// The X.509-SVID signing CA (spiffe/spiffe standards/X509-SVID.md §3.2): either self-signed, or
// an intermediate under an operator's CA. Pure: keys and certificates in, keys and PEM out.
import { MandateError } from '../../core/errors.js';
import { parseTrustDomain, trustDomainId } from '../../core/spiffe-id.js';
import {
  BACKDATE_MS,
  floorToSecond,
  importSigningKey,
  keyIdentifierOf,
  parseCertificate,
  pemOf,
  randomSerialHex,
  signingAlgorithmOf,
  spkiOfPrivateKeyPem,
  subtle,
  toPem,
  x509,
  type CryptoKey,
} from './internal.js';

/** A signing CA's certificate, key and the chain to its trust anchor. Times are epoch ms. */
export interface CaMaterial {
  certPem: string;
  /** Certificates above the CA up to, not including, the trust anchor; nearest first. */
  chainPems: string[];
  /** Trust anchors a bundle publishes: the CA itself when self-signed, else the operator's root. */
  rootPems: string[];
  privateKeyPkcs8Pem: string;
  notBefore: number;
  notAfter: number;
}

export interface SelfSignedCaOptions {
  trustDomain: string;
  ttlSeconds: number;
  /** Epoch ms. */
  now: number;
}

export interface IntermediateCaOptions extends SelfSignedCaOptions {
  /** The operator's CA certificate (PEM) that signs Mandate's CA. */
  upstreamCertPem: string;
  /** The operator's CA private key: PKCS#8 PEM, EC or RSA. */
  upstreamKeyPem: string;
  /**
   * Certificates above the upstream CA, nearest first; the last one becomes the trust anchor
   * (normally the operator's self-signed root). Required unless the upstream is self-signed, and
   * ignored when it is.
   */
  upstreamChainPems?: string[];
}

const CA_KEY_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
// ub-common-name (RFC 5280 Appendix A): longer trust domains get a generic CN.
const MAX_CN = 64;

/**
 * Creates a self-signed signing CA for a trust domain, with a fresh ECDSA P-256 key.
 *
 * @example
 * const ca = await createSelfSignedCa({ trustDomain: 'example.org', ttlSeconds: 86_400, now: Date.now() });
 * // ca.rootPems[0] === ca.certPem
 */
export async function createSelfSignedCa(options: SelfSignedCaOptions): Promise<CaMaterial> {
  const { trustDomain, notBefore, notAfter } = validity(options, Number.POSITIVE_INFINITY);
  const keys = await newCaKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: caName(trustDomain),
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    keys,
    signingAlgorithm: signingAlgorithmOf(keys.privateKey),
    extensions: [
      ...caExtensions(trustDomain),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = pemOf(cert);
  return {
    ...(await material(cert, keys.privateKey)),
    certPem,
    chainPems: [],
    rootPems: [certPem],
  };
}

/**
 * Creates Mandate's signing CA as an intermediate under an operator-supplied CA. The new CA never
 * outlives the upstream certificate.
 *
 * @example
 * const ca = await createIntermediateCa({
 *   trustDomain: 'example.org', ttlSeconds: 86_400, now: Date.now(),
 *   upstreamCertPem, upstreamKeyPem, upstreamChainPems: [rootPem],
 * });
 */
export async function createIntermediateCa(options: IntermediateCaOptions): Promise<CaMaterial> {
  const upstream = parseCertificate(
    options.upstreamCertPem,
    'invalid_config',
    'upstream certificate',
  );
  const selfSigned = await upstream.isSelfSigned();
  // A self-signed upstream is the trust anchor itself; anything above it is irrelevant.
  const above = selfSigned
    ? []
    : (options.upstreamChainPems ?? []).map((pem, i) =>
        parseCertificate(pem, 'invalid_config', `upstream chain certificate ${i}`),
      );
  await checkUpstream(upstream, selfSigned, above, options.upstreamKeyPem);
  const { trustDomain, notBefore, notAfter } = validity(
    options,
    upstream.notAfter.getTime(),
    upstream.notBefore.getTime(),
  );
  const upstreamKey = await importSigningKey(options.upstreamKeyPem);
  const keys = await newCaKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: caName(trustDomain),
    issuer: upstream.subjectName,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    publicKey: keys.publicKey,
    signingKey: upstreamKey,
    signingAlgorithm: signingAlgorithmOf(upstreamKey),
    extensions: [
      ...caExtensions(trustDomain),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      new x509.AuthorityKeyIdentifierExtension(await keyIdentifierOf(upstream)),
    ],
  });
  const anchor = selfSigned ? upstream : (above[above.length - 1] as x509.X509Certificate);
  const chain = selfSigned ? [] : [upstream, ...above.slice(0, -1)];
  return {
    ...(await material(cert, keys.privateKey)),
    certPem: pemOf(cert),
    chainPems: chain.map((c) => pemOf(c)),
    rootPems: [pemOf(anchor)],
  };
}

/**
 * Imports a CA private key (PKCS#8 PEM, EC or RSA) as a non-extractable signing key, ready for
 * `issueX509Svid`.
 *
 * @example
 * const privateKey = await importCaKey(ca.privateKeyPkcs8Pem);
 */
export function importCaKey(pkcs8Pem: string): Promise<CryptoKey> {
  return importSigningKey(pkcs8Pem);
}

function validity(
  options: SelfSignedCaOptions,
  ceiling: number,
  floor = Number.NEGATIVE_INFINITY,
): { trustDomain: string; notBefore: number; notAfter: number } {
  const trustDomain = parseTrustDomain(options.trustDomain);
  const { ttlSeconds, now } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new MandateError(
      'invalid_config',
      `ca ttl must be a positive whole number of seconds, got \`${ttlSeconds}\``,
    );
  }
  if (!Number.isFinite(now))
    throw new MandateError('invalid_config', 'ca `now` must be a finite epoch ms');
  const notBefore = floorToSecond(Math.max(now - BACKDATE_MS, floor));
  const notAfter = floorToSecond(Math.min(now + ttlSeconds * 1000, ceiling));
  if (notAfter <= now)
    throw new MandateError('invalid_config', 'upstream ca certificate has expired');
  if (floor > now)
    throw new MandateError('invalid_config', 'upstream ca certificate is not yet valid');
  return { trustDomain, notBefore, notAfter };
}

// A signing certificate's SPIFFE ID has no path (X509-SVID §3.2); no pathLenConstraint, so the
// CA may later sign downstream CAs.
function caExtensions(trustDomain: string): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(CA_KEY_USAGE, true),
    new x509.SubjectAlternativeNameExtension(
      [{ type: 'url', value: trustDomainId(trustDomain) }],
      false,
    ),
  ];
}

function caName(trustDomain: string): x509.Name {
  const cn = `${trustDomain} CA`;
  return new x509.Name([{ O: ['Mandate'] }, { CN: [cn.length <= MAX_CN ? cn : 'Mandate CA'] }]);
}

async function newCaKeyPair(): Promise<{ publicKey: CryptoKey; privateKey: CryptoKey }> {
  // Extractable because the caller stores the key (privateKeyPkcs8Pem); importCaKey re-imports it
  // non-extractable for signing.
  return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

async function material(
  cert: x509.X509Certificate,
  privateKey: CryptoKey,
): Promise<Pick<CaMaterial, 'privateKeyPkcs8Pem' | 'notBefore' | 'notAfter'>> {
  return {
    privateKeyPkcs8Pem: toPem(await subtle.exportKey('pkcs8', privateKey), 'PRIVATE KEY'),
    notBefore: cert.notBefore.getTime(),
    notAfter: cert.notAfter.getTime(),
  };
}

async function checkUpstream(
  upstream: x509.X509Certificate,
  selfSigned: boolean,
  above: x509.X509Certificate[],
  upstreamKeyPem: string,
): Promise<void> {
  const bc = upstream.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca)
    throw new MandateError(
      'invalid_config',
      'upstream certificate is not a ca (basic constraints ca:false or missing)',
    );
  if (bc.pathLength === 0)
    throw new MandateError(
      'invalid_config',
      'upstream ca has pathlen 0 and cannot sign an intermediate ca',
    );
  const ku = upstream.getExtension(x509.KeyUsagesExtension);
  if (ku && !(ku.usages & x509.KeyUsageFlags.keyCertSign)) {
    throw new MandateError('invalid_config', 'upstream certificate key usage lacks keyCertSign');
  }
  let spki: Buffer;
  try {
    spki = spkiOfPrivateKeyPem(upstreamKeyPem);
  } catch (err) {
    throw new MandateError('invalid_config', 'upstream key is not a pem private key', undefined, {
      cause: err,
    });
  }
  if (!spki.equals(Buffer.from(upstream.publicKey.rawData))) {
    throw new MandateError(
      'invalid_config',
      'upstream key does not match the upstream certificate',
    );
  }
  if (!selfSigned && above.length === 0) {
    throw new MandateError(
      'invalid_config',
      'upstream certificate is not self-signed, so upstreamChainPems must end with its root',
    );
  }
  // INVARIANT: each certificate is signed by the next one, so chainPems + rootPems form a path.
  const path = [upstream, ...above];
  for (let i = 0; i + 1 < path.length; i++) {
    const child = path[i] as x509.X509Certificate;
    const parent = path[i + 1] as x509.X509Certificate;
    if (!(await child.verify({ publicKey: parent.publicKey, signatureOnly: true }))) {
      throw new MandateError(
        'invalid_config',
        `upstream chain is broken: \`${child.subject}\` is not signed by \`${parent.subject}\``,
      );
    }
  }
}
