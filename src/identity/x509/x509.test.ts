import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MandateError, type ErrorCode } from '../../core/errors.js';
import {
  createIntermediateCa,
  createKeyAndCsr,
  createSelfSignedCa,
  importCaKey,
  issueX509Svid,
  type CaMaterial,
} from './index.js';
import { x509 } from './internal.js';

const TD = 'example.org';
const AGENT = 'spiffe://example.org/agents/billing/42';
const DAY = 86_400;

let dir: string;
let n = 0;

function file(name: string, content: string | Buffer): string {
  const path = join(dir, `${n++}-${name}`);
  writeFileSync(path, content);
  return path;
}

function openssl(...args: string[]): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string };
    throw new Error(`openssl ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const OPENSSL_CNF = `
[req]
distinguished_name = dn
[dn]
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`;

/** A test CA made by openssl: `[certPem, keyPem]`; signed by `parent` when given. */
function opensslCa(
  newkey: string[],
  subject: string,
  days: number,
  parent?: [string, string],
): [string, string] {
  const cnf = file('openssl.cnf', OPENSSL_CNF);
  const key = file('ca.key', '');
  const out = file('ca.pem', '');
  if (!parent) {
    openssl(
      'req',
      '-x509',
      '-config',
      cnf,
      '-extensions',
      'root',
      '-nodes',
      '-newkey',
      ...newkey,
      '-keyout',
      key,
      '-out',
      out,
      '-subj',
      subject,
      '-days',
      String(days),
    );
  } else {
    const csr = file('ca.csr', '');
    openssl(
      'req',
      '-new',
      '-config',
      cnf,
      '-nodes',
      '-newkey',
      ...newkey,
      '-keyout',
      key,
      '-out',
      csr,
      '-subj',
      subject,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      file('p.pem', parent[0]),
      '-CAkey',
      file('p.key', parent[1]),
      '-set_serial',
      '0x1234',
      '-extfile',
      cnf,
      '-extensions',
      'inter',
      '-days',
      String(days),
      '-out',
      out,
    );
  }
  return [readFileSync(out, 'utf8'), readFileSync(key, 'utf8')];
}

/** A CSR made by openssl with `extra` arguments, e.g. `-addext` lines. */
function opensslCsr(newkey: string[], ...extra: string[]): string {
  const out = file('leaf.csr', '');
  openssl(
    'req',
    '-new',
    '-config',
    file('openssl.cnf', OPENSSL_CNF),
    '-nodes',
    '-newkey',
    ...newkey,
    '-keyout',
    file('leaf.key', ''),
    '-out',
    out,
    '-subj',
    '/CN=requested.example',
    ...extra,
  );
  return readFileSync(out, 'utf8');
}

function verify(roots: string[], chain: string[], leafPem: string, purpose = 'sslclient'): string {
  return openssl(
    'verify',
    '-x509_strict',
    '-purpose',
    purpose,
    '-CAfile',
    file('roots.pem', roots.join('')),
    '-untrusted',
    file('chain.pem', chain.join('')),
    file('leaf.pem', leafPem),
  );
}

/** `openssl x509 -ext` output as `{ name: { critical, value } }`. */
function extensions(certPem: string): Record<string, { critical: boolean; value: string }> {
  const text = openssl(
    'x509',
    '-noout',
    '-in',
    file('c.pem', certPem),
    '-ext',
    'subjectAltName,keyUsage,extendedKeyUsage,basicConstraints',
  );
  const out: Record<string, { critical: boolean; value: string }> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^X509v3 (.+?):( critical)?\s*$/.exec(lines[i] ?? '');
    if (m?.[1]) out[m[1]] = { critical: Boolean(m[2]), value: (lines[i + 1] ?? '').trim() };
  }
  return out;
}

async function caFor(ca: CaMaterial) {
  return {
    certPem: ca.certPem,
    chainPems: ca.chainPems,
    privateKey: await importCaKey(ca.privateKeyPkcs8Pem),
  };
}

async function rejects(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: RegExp,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof MandateError, `expected a MandateError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Checks a leaf against X509-SVID §2, §4 with both openssl and @peculiar/x509. */
function assertSvidLeaf(certPem: string, spiffeId: string, caPem: string): void {
  const ext = extensions(certPem);
  assert.deepEqual(ext['Subject Alternative Name']?.value, `URI:${spiffeId}`);
  assert.deepEqual(ext['Basic Constraints'], { critical: true, value: 'CA:FALSE' });
  assert.deepEqual(ext['Key Usage'], { critical: true, value: 'Digital Signature' });
  assert.equal(
    ext['Extended Key Usage']?.value,
    'TLS Web Server Authentication, TLS Web Client Authentication',
  );

  const cert = new x509.X509Certificate(certPem);
  const sans = cert.getExtensions(x509.SubjectAlternativeNameExtension);
  assert.equal(sans.length, 1);
  assert.deepEqual(sans[0]?.names.toJSON(), [{ type: 'url', value: spiffeId }]);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  assert.equal(bc?.ca, false);
  assert.equal(bc?.critical, true);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  assert.equal(ku?.usages, x509.KeyUsageFlags.digitalSignature);
  assert.equal(ku?.critical, true);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  assert.deepEqual(
    [...(eku?.usages ?? [])],
    [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  );
  const caSki = new x509.X509Certificate(caPem).getExtension(
    x509.SubjectKeyIdentifierExtension,
  )?.keyId;
  assert.ok(caSki);
  assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, caSki);
  assert.ok(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mandate-x509-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('self-signed ca', () => {
  it('is a CA:TRUE signing certificate whose only SAN is spiffe://<td>', async () => {
    const now = Date.now();
    const ca = await createSelfSignedCa({ trustDomain: TD, ttlSeconds: DAY, now });
    assert.deepEqual(ca.rootPems, [ca.certPem]);
    assert.deepEqual(ca.chainPems, []);
    assert.equal(ca.notBefore, Math.floor((now - 30_000) / 1000) * 1000);
    assert.equal(ca.notAfter, Math.floor((now + DAY * 1000) / 1000) * 1000);
    const ext = extensions(ca.certPem);
    assert.deepEqual(ext['Basic Constraints'], { critical: true, value: 'CA:TRUE' });
    assert.deepEqual(ext['Key Usage'], { critical: true, value: 'Certificate Sign, CRL Sign' });
    assert.equal(ext['Subject Alternative Name']?.value, `URI:spiffe://${TD}`);
    assert.match(
      openssl(
        'verify',
        '-x509_strict',
        '-CAfile',
        file('ca.pem', ca.certPem),
        file('ca.pem', ca.certPem),
      ),
      /: OK/,
    );
    const cert = new x509.X509Certificate(ca.certPem);
    assert.equal(cert.subject, `O=Mandate, CN=${TD} CA`);
    assert.ok(cert.getExtension(x509.SubjectKeyIdentifierExtension));
    assert.match(cert.serialNumber, /^[89a-f][0-9a-f]{31}$/); // positive, 128 bits
    assert.notEqual(
      cert.serialNumber,
      new x509.X509Certificate(
        (await createSelfSignedCa({ trustDomain: TD, ttlSeconds: 60, now })).certPem,
      ).serialNumber,
    );
    // The stored key is the certificate's key.
    const pub = openssl('pkey', '-pubout', '-in', file('ca.key', ca.privateKeyPkcs8Pem));
    assert.equal(pub, openssl('x509', '-noout', '-pubkey', '-in', file('ca.pem', ca.certPem)));
    assert.equal((await importCaKey(ca.privateKeyPkcs8Pem)).extractable, false);
  });

  it('rejects a bad trust domain or ttl', async () => {
    await rejects(
      createSelfSignedCa({ trustDomain: 'Example.org', ttlSeconds: DAY, now: Date.now() }),
      'invalid_spiffe_id',
    );
    await rejects(
      createSelfSignedCa({ trustDomain: TD, ttlSeconds: 0, now: Date.now() }),
      'invalid_config',
    );
  });
});

describe('x509-svid from a self-signed ca', () => {
  let ca: CaMaterial;
  before(async () => {
    ca = await createSelfSignedCa({ trustDomain: TD, ttlSeconds: DAY, now: Date.now() - 60_000 });
  });

  it('verifies with openssl for TLS client and server use and carries only the spiffe id', async () => {
    const { csrPem } = await createKeyAndCsr({ spiffeId: AGENT });
    const now = Date.now();
    const svid = await issueX509Svid({
      ca: await caFor(ca),
      csrPem,
      spiffeId: AGENT,
      ttlSeconds: 3600,
      now,
    });
    assert.deepEqual(svid.chainPems, [ca.certPem]);
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem, 'sslclient'), /: OK/);
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem, 'sslserver'), /: OK/);
    assertSvidLeaf(svid.certPem, AGENT, ca.certPem);
    assert.equal(svid.notBefore, Math.floor((now - 30_000) / 1000) * 1000);
    assert.equal(svid.notAfter, Math.floor((now + 3600_000) / 1000) * 1000);
    assert.match(svid.serial, /^[89a-f][0-9a-f]{31}$/);
    assert.equal(
      svid.serial,
      openssl('x509', '-noout', '-serial', '-in', file('l.pem', svid.certPem))
        .trim()
        .replace('serial=', '')
        .toLowerCase(),
    );
  });

  it('ignores the SANs, subject and CA flag the CSR asks for', async () => {
    const csrPem = opensslCsr(
      ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '-addext',
      'subjectAltName=URI:spiffe://evil.example/admin,DNS:evil.example,URI:spiffe://example.org/other',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    );
    const svid = await issueX509Svid({
      ca: await caFor(ca),
      csrPem,
      spiffeId: AGENT,
      ttlSeconds: 3600,
      now: Date.now(),
    });
    assertSvidLeaf(svid.certPem, AGENT, ca.certPem);
    assert.equal(new x509.X509Certificate(svid.certPem).subject, 'O=Mandate');
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem), /: OK/);
  });

  it('accepts EC P-384 and RSA-2048 keys, keeping the CSR key', async () => {
    for (const newkey of [['ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['rsa:2048']]) {
      const csrPem = opensslCsr(newkey);
      const svid = await issueX509Svid({
        ca: await caFor(ca),
        csrPem,
        spiffeId: AGENT,
        ttlSeconds: 3600,
        now: Date.now(),
      });
      assertSvidLeaf(svid.certPem, AGENT, ca.certPem);
      assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem), /: OK/);
      const csrKey = openssl('req', '-noout', '-pubkey', '-in', file('r.csr', csrPem));
      assert.equal(
        openssl('x509', '-noout', '-pubkey', '-in', file('l.pem', svid.certPem)),
        csrKey,
      );
    }
  });

  it('caps the ttl at the ca notAfter', async () => {
    const shortCa = await createSelfSignedCa({ trustDomain: TD, ttlSeconds: 600, now: Date.now() });
    const { csrPem } = await createKeyAndCsr();
    const svid = await issueX509Svid({
      ca: await caFor(shortCa),
      csrPem,
      spiffeId: AGENT,
      ttlSeconds: DAY,
      now: Date.now(),
    });
    assert.equal(svid.notAfter, shortCa.notAfter);
    assert.equal(new x509.X509Certificate(svid.certPem).notAfter.getTime(), shortCa.notAfter);
    assert.match(verify(shortCa.rootPems, svid.chainPems, svid.certPem), /: OK/);
    await rejects(
      issueX509Svid({
        ca: await caFor(shortCa),
        csrPem,
        spiffeId: AGENT,
        ttlSeconds: 60,
        now: shortCa.notAfter,
      }),
      'unavailable',
    );
  });

  it('rejects a tampered, garbage, Ed25519, RSA-1024 or secp256k1 CSR with invalid_csr', async () => {
    const issuer = await caFor(ca);
    const issue = (csrPem: string) =>
      issueX509Svid({ ca: issuer, csrPem, spiffeId: AGENT, ttlSeconds: 60, now: Date.now() });
    const der = Buffer.from(
      x509.PemConverter.decodeFirst((await createKeyAndCsr({ spiffeId: AGENT })).csrPem),
    );
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01; // inside the signature
    await rejects(
      issue(x509.PemConverter.encode(der, 'CERTIFICATE REQUEST')),
      'invalid_csr',
      /signature does not verify/,
    );
    await rejects(issue('not a csr'), 'invalid_csr', /not a pkcs#10/);
    await rejects(
      issue(
        x509.PemConverter.encode(Buffer.from('garbage garbage garbage'), 'CERTIFICATE REQUEST'),
      ),
      'invalid_csr',
    );
    await rejects(issue(ca.certPem), 'invalid_csr');
    await rejects(
      issue(opensslCsr(['ed25519'])),
      'invalid_csr',
      /key type `ed25519` is not allowed/,
    );
    await rejects(
      issue(opensslCsr(['rsa:1024'])),
      'invalid_csr',
      /rsa key of 1024 bits is not allowed/,
    );
    await rejects(
      issue(opensslCsr(['ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'])),
      'invalid_csr',
      /curve `secp256k1`/,
    );
    await rejects(issue(opensslCsr(['rsa:2048'], '-sha1')), 'invalid_csr', /hash `SHA-1`/);
  });

  it('rejects a spiffe id without a path or outside the ca trust domain', async () => {
    const issuer = await caFor(ca);
    const { csrPem } = await createKeyAndCsr();
    const issue = (spiffeId: string) =>
      issueX509Svid({ ca: issuer, csrPem, spiffeId, ttlSeconds: 60, now: Date.now() });
    await rejects(issue(`spiffe://${TD}`), 'invalid_spiffe_id', /must have a path/);
    await rejects(issue('spiffe://other.org/agent'), 'invalid_spiffe_id', /trust domain/);
    await rejects(issue('https://example.org/agent'), 'invalid_spiffe_id');
  });
});

describe('intermediate ca under an operator root', () => {
  it('chains to an EC root: openssl verifies the leaf against the root', async () => {
    const [rootPem, rootKey] = opensslCa(
      ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/O=Operator/CN=Test Root',
      30,
    );
    const ca = await createIntermediateCa({
      trustDomain: TD,
      ttlSeconds: DAY,
      now: Date.now(),
      upstreamCertPem: rootPem,
      upstreamKeyPem: rootKey,
    });
    assert.deepEqual(ca.rootPems, [rootPem]);
    assert.deepEqual(ca.chainPems, []);
    const ext = extensions(ca.certPem);
    assert.deepEqual(ext['Basic Constraints'], { critical: true, value: 'CA:TRUE' });
    assert.equal(ext['Subject Alternative Name']?.value, `URI:spiffe://${TD}`);
    const cert = new x509.X509Certificate(ca.certPem);
    const rootSki = new x509.X509Certificate(rootPem).getExtension(
      x509.SubjectKeyIdentifierExtension,
    )?.keyId;
    assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, rootSki);
    assert.match(
      openssl(
        'verify',
        '-x509_strict',
        '-CAfile',
        file('root.pem', rootPem),
        file('ca.pem', ca.certPem),
      ),
      /: OK/,
    );
    // A self-signed upstream is the anchor: a chain passed along with it is ignored.
    const again = await createIntermediateCa({
      trustDomain: TD,
      ttlSeconds: DAY,
      now: Date.now(),
      upstreamCertPem: rootPem,
      upstreamKeyPem: rootKey,
      upstreamChainPems: [rootPem],
    });
    assert.deepEqual([again.chainPems, again.rootPems], [[], [rootPem]]);

    const { csrPem } = await createKeyAndCsr({ spiffeId: AGENT });
    const svid = await issueX509Svid({
      ca: await caFor(ca),
      csrPem,
      spiffeId: AGENT,
      ttlSeconds: 3600,
      now: Date.now(),
    });
    assert.deepEqual(svid.chainPems, [ca.certPem]);
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem, 'sslserver'), /: OK/);
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem, 'sslclient'), /: OK/);
    assertSvidLeaf(svid.certPem, AGENT, ca.certPem);
  });

  it('chains through an RSA root and an operator intermediate', async () => {
    const root = opensslCa(['rsa:2048'], '/O=Operator/CN=Test RSA Root', 30);
    const [operatorPem, operatorKey] = opensslCa(
      ['rsa:2048'],
      '/O=Operator/CN=Test Operator CA',
      10,
      root,
    );
    const ca = await createIntermediateCa({
      trustDomain: TD,
      ttlSeconds: DAY,
      now: Date.now(),
      upstreamCertPem: operatorPem,
      upstreamKeyPem: operatorKey,
      upstreamChainPems: [root[0]],
    });
    assert.deepEqual(ca.chainPems, [operatorPem]);
    assert.deepEqual(ca.rootPems, [root[0]]);
    assert.match(
      openssl('x509', '-noout', '-text', '-in', file('ca.pem', ca.certPem)),
      /Signature Algorithm: sha256WithRSAEncryption/,
    );
    const svid = await issueX509Svid({
      ca: await caFor(ca),
      csrPem: opensslCsr(['rsa:3072']),
      spiffeId: AGENT,
      ttlSeconds: 3600,
      now: Date.now(),
    });
    assert.deepEqual(svid.chainPems, [ca.certPem, operatorPem]);
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem), /: OK/);
    assertSvidLeaf(svid.certPem, AGENT, ca.certPem);
  });

  it('never outlives the upstream certificate, and the leaf never outlives the ca', async () => {
    const [rootPem, rootKey] = opensslCa(
      ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
      '/CN=Short Root',
      1,
    );
    const ca = await createIntermediateCa({
      trustDomain: TD,
      ttlSeconds: 30 * DAY,
      now: Date.now(),
      upstreamCertPem: rootPem,
      upstreamKeyPem: rootKey,
    });
    const rootNotAfter = new x509.X509Certificate(rootPem).notAfter.getTime();
    assert.equal(ca.notAfter, rootNotAfter);
    const svid = await issueX509Svid({
      ca: await caFor(ca),
      csrPem: (await createKeyAndCsr()).csrPem,
      spiffeId: AGENT,
      ttlSeconds: 7 * DAY,
      now: Date.now(),
    });
    assert.equal(svid.notAfter, rootNotAfter);
    assert.match(verify(ca.rootPems, svid.chainPems, svid.certPem), /: OK/);
  });

  it('rejects a mismatched key, a non-CA upstream and a missing root', async () => {
    const now = Date.now();
    const [rootPem, rootKey] = opensslCa(
      ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/CN=Root A',
      30,
    );
    const [, otherKey] = opensslCa(['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=Root B', 30);
    const base = { trustDomain: TD, ttlSeconds: DAY, now };
    await rejects(
      createIntermediateCa({ ...base, upstreamCertPem: rootPem, upstreamKeyPem: otherKey }),
      'invalid_config',
      /does not match/,
    );
    await rejects(
      createIntermediateCa({ ...base, upstreamCertPem: 'nope', upstreamKeyPem: rootKey }),
      'invalid_config',
    );
    await rejects(
      createIntermediateCa({ ...base, upstreamCertPem: rootPem, upstreamKeyPem: 'nope' }),
      'invalid_config',
    );
    const ca = await createSelfSignedCa(base);
    const leafKey = await createKeyAndCsr();
    const leaf = await issueX509Svid({
      ca: await caFor(ca),
      csrPem: leafKey.csrPem,
      spiffeId: AGENT,
      ttlSeconds: 60,
      now,
    });
    await rejects(
      createIntermediateCa({
        ...base,
        upstreamCertPem: leaf.certPem,
        upstreamKeyPem: leafKey.keyPkcs8Pem,
      }),
      'invalid_config',
      /not a ca/,
    );
    const operator = opensslCa(['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=Operator', 10, [
      rootPem,
      rootKey,
    ]);
    await rejects(
      createIntermediateCa({ ...base, upstreamCertPem: operator[0], upstreamKeyPem: operator[1] }),
      'invalid_config',
      /not self-signed/,
    );
    await rejects(
      createIntermediateCa({
        ...base,
        upstreamCertPem: operator[0],
        upstreamKeyPem: operator[1],
        upstreamChainPems: [ca.certPem],
      }),
      'invalid_config',
      /chain is broken/,
    );
  });
});

describe('createKeyAndCsr', () => {
  it('makes a P-256 key and a CSR that openssl verifies', async () => {
    const { keyPkcs8Pem, csrPem } = await createKeyAndCsr({ spiffeId: AGENT });
    assert.match(keyPkcs8Pem, /^-----BEGIN PRIVATE KEY-----/);
    const csrFile = file('a.csr', csrPem);
    openssl('req', '-verify', '-noout', '-in', csrFile);
    assert.match(
      openssl('req', '-noout', '-text', '-in', csrFile),
      new RegExp(`ASN1 OID: prime256v1[\\s\\S]*URI:${AGENT}`),
    );
    assert.equal(
      openssl('pkey', '-pubout', '-in', file('a.key', keyPkcs8Pem)),
      openssl('req', '-noout', '-pubkey', '-in', csrFile),
    );
    await rejects(createKeyAndCsr({ spiffeId: 'spiffe://bad/../x' }), 'invalid_spiffe_id');
  });
});
