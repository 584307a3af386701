// A certificate authority made at test start, for the HTTPS servers an MCP host publishes its client
// ID metadata document on. Mandate trusts it only through the `clientMetadataCa` setting; nothing
// else in the process does.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface TestCa {
  /** The CA certificate (PEM): the value of `clientMetadataCa`. */
  certPem: string;
  /** A server certificate and key (PEM) for `ips` and `dnsNames`, issued by this CA. */
  issue(names: {
    ips?: string[];
    dnsNames?: string[];
  }): Promise<{ certPem: string; keyPem: string }>;
}

const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex');

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)).toString('base64');
  return `-----BEGIN PRIVATE KEY-----\n${der.replace(/.{64}/gu, '$&\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A fresh P-256 CA, valid from an hour ago for a day (real time: TLS checks the system clock). */
export async function createTestCa(name = 'Mandate e2e metadata CA'): Promise<TestCa> {
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + DAY_MS),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    certPem: ca.toString('pem'),
    async issue({ ips = [], dnsNames = [] }) {
      const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${dnsNames[0] ?? ips[0] ?? 'localhost'}`,
        issuer: ca.subject,
        notBefore: new Date(now - 3_600_000),
        notAfter: new Date(now + DAY_MS),
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([
            ...ips.map((value) => ({ type: 'ip' as const, value })),
            ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      });
      return { certPem: leaf.toString('pem'), keyPem: await pkcs8Pem(keys.privateKey) };
    },
  };
}
