// Shared helpers for the X.509 modules. Not part of the public API (index.ts does not re-export
// this file).
//
// INVARIANT: every module in this folder imports @peculiar/x509 through this file, never directly.
// The library resolves its algorithms through tsyringe, which throws at load time unless the
// `reflect-metadata` polyfill was evaluated first; ES modules evaluate imports in order, so the
// polyfill import below must stay above the library import.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { MandateError, type ErrorCode } from '../../core/errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export type CryptoKey = webcrypto.CryptoKey;
export const subtle = webcrypto.subtle;

/** Leaf and CA certificates start this much before `now`, for clock skew between peers. */
export const BACKDATE_MS = 30_000;

/** X.509 validity has one-second resolution; round down so what we return is what is encoded. */
export function floorToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * A random positive 128-bit serial, as hex. Setting the top bit keeps the magnitude at a full 16
 * bytes; the DER INTEGER then gets a leading zero octet (17 octets, within RFC 5280's 20).
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) | 0x80;
  return bytes.toString('hex');
}

export type KeyKind =
  { kind: 'ec'; curve: string } | { kind: 'rsa'; bits: number } | { kind: 'other'; type: string };

const CURVE_NAMES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** What kind of key a DER SubjectPublicKeyInfo holds, as node:crypto sees it. */
export function describeSpki(spkiDer: ArrayBuffer): KeyKind {
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    return { kind: 'ec', curve: CURVE_NAMES[curve] ?? curve };
  }
  if (key.asymmetricKeyType === 'rsa') return { kind: 'rsa', bits: details.modulusLength ?? 0 };
  return { kind: 'other', type: key.asymmetricKeyType ?? 'unknown' };
}

const EC_HASH: Record<string, string> = {
  'P-256': 'SHA-256',
  'P-384': 'SHA-384',
  'P-521': 'SHA-512',
};

/** The signature algorithm a CA key signs with: ECDSA with the curve's hash, or RSA PKCS#1 v1.5. */
export function signingAlgorithmOf(key: CryptoKey): { name: string; hash: string } {
  const alg = key.algorithm as { name: string; namedCurve?: string; hash?: { name: string } };
  if (alg.name === 'ECDSA')
    return { name: 'ECDSA', hash: EC_HASH[alg.namedCurve ?? ''] ?? 'SHA-256' };
  if (alg.name === 'RSASSA-PKCS1-v1_5')
    return { name: alg.name, hash: alg.hash?.name ?? 'SHA-256' };
  throw new MandateError('invalid_config', `unsupported ca key algorithm \`${alg.name}\``);
}

/**
 * Imports a CA private key (PKCS#8 PEM; PKCS#1 and SEC1 PEM are accepted too) as a
 * non-extractable signing key: ECDSA on P-256/P-384/P-521, or RSA PKCS#1 v1.5 with SHA-256.
 */
export async function importSigningKey(pem: string, extractable = false): Promise<CryptoKey> {
  let keyObject;
  try {
    keyObject = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new MandateError('invalid_config', 'ca private key is not a pem private key', undefined, {
      cause: err,
    });
  }
  const pkcs8 = keyObject.export({ type: 'pkcs8', format: 'der' });
  const details = keyObject.asymmetricKeyDetails ?? {};
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = CURVE_NAMES[details.namedCurve ?? ''];
    if (!curve)
      throw new MandateError(
        'invalid_config',
        `unsupported ca key curve \`${details.namedCurve ?? 'unknown'}\``,
      );
    return subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: curve }, extractable, [
      'sign',
    ]);
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048)
      throw new MandateError('invalid_config', 'ca rsa key must be at least 2048 bits');
    return subtle.importKey(
      'pkcs8',
      pkcs8,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      extractable,
      ['sign'],
    );
  }
  throw new MandateError(
    'invalid_config',
    `unsupported ca key type \`${keyObject.asymmetricKeyType ?? 'unknown'}\`; use an ec or rsa key`,
  );
}

/** DER SubjectPublicKeyInfo of the public half of a private key PEM. */
export function spkiOfPrivateKeyPem(pem: string): Buffer {
  return createPublicKey(createPrivateKey({ key: pem, format: 'pem' })).export({
    type: 'spki',
    format: 'der',
  });
}

/** Parses one PEM certificate, or throws `code` naming `what` was bad. */
export function parseCertificate(pem: string, code: ErrorCode, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw new MandateError(code, `${what} is not a pem certificate`, undefined, { cause: err });
  }
}

/** The key identifier a certificate's SKI extension carries, or one computed from its key. */
export async function keyIdentifierOf(cert: x509.X509Certificate): Promise<string> {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return ski.keyId;
  return Buffer.from(await cert.publicKey.getKeyIdentifier()).toString('hex');
}

/** The SPIFFE IDs among a certificate's URI SANs. */
export function spiffeUris(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return [];
  return san.names.items
    .filter((n) => n.type === 'url' && n.value.startsWith('spiffe://'))
    .map((n) => n.value);
}

/** PEM as openssl writes it: LF line ends and a final newline, so PEMs concatenate cleanly. */
export function canonicalPem(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trimEnd()}\n`;
}

export function pemOf(data: x509.X509Certificate | x509.Pkcs10CertificateRequest): string {
  return canonicalPem(data.toString('pem'));
}

export function toPem(der: ArrayBuffer | Buffer, tag: 'PRIVATE KEY'): string {
  return canonicalPem(x509.PemConverter.encode(der, tag));
}
