// X.509-SVIDs (SPIFFE X.509-SVID spec) checked with openssl only: the key and CSR are made by
// openssl, the chain is validated by `openssl verify`, the extensions read by `openssl x509`.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  attest,
  discover,
  getJson,
  joinToken,
  openssl,
  opensslOk,
  registerAgent,
  removeDir,
  scratchDir,
  type AttestResponse,
  type SpiffeBundleBody,
} from './helpers.js';

const SPIFFE_ID = 'spiffe://mandate.local/agent/tls-bot';

/** An ECDSA P-256 key and a CSR for it, made by openssl in `dir`; returns the CSR PEM. */
function opensslCsr(dir: string, name: string): string {
  opensslOk(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      '/CN=ignored-by-mandate',
    ],
    dir,
  );
  return readFileSync(join(dir, `${name}.csr`), 'utf8');
}

/** Writes leaf.pem, intermediates.pem and bundle.pem for `openssl verify`. */
function writeSvid(
  dir: string,
  svid: NonNullable<AttestResponse['x509_svid']>,
): { leaf: string; intermediates: string; bundle: string } {
  const [leaf, ...intermediates] = svid.cert_chain;
  assert.ok(leaf, 'the chain starts with the leaf');
  assert.ok(intermediates.length >= 1, 'the chain carries the signing ca');
  const paths = {
    leaf: join(dir, 'leaf.pem'),
    intermediates: join(dir, 'intermediates.pem'),
    bundle: join(dir, 'bundle.pem'),
  };
  writeFileSync(paths.leaf, leaf);
  writeFileSync(paths.intermediates, intermediates.join(''));
  writeFileSync(paths.bundle, svid.bundle.join(''));
  return paths;
}

async function attestX509(
  server: TestServer,
  agent: string,
  csr: string,
  ttl?: number,
): Promise<NonNullable<AttestResponse['x509_svid']>> {
  const res = await attest(server, {
    join_token: await joinToken(server, agent),
    x509_svid: { csr, ...(ttl !== undefined ? { ttl } : {}) },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.spiffe_id, `spiffe://${server.config.trustDomain}/agent/${agent}`);
  assert.ok(res.body.x509_svid, 'no x509_svid in the answer');
  return res.body.x509_svid;
}

/** `openssl x509 -noout -ext ...` of a PEM file: the extension text. */
function extensions(pemPath: string): string {
  return opensslOk([
    'x509',
    '-noout',
    '-in',
    pemPath,
    '-ext',
    'subjectAltName,keyUsage,extendedKeyUsage,basicConstraints',
  ]);
}

/** The text block of one extension in `openssl x509 -ext` output (header line and value lines). */
function extensionBlock(text: string, header: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim().startsWith(header));
  assert.ok(start >= 0, `no ${header} in:\n${text}`);
  const block = [lines[start]!];
  for (const l of lines.slice(start + 1)) {
    if (!/^\s+\S/.test(l)) break;
    block.push(l.trim());
  }
  return block.join('\n');
}

describe('x509-svid', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer();
    dir = scratchDir();
    await registerAgent(server, 'tls-bot');
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  it('passes openssl verify against the bundle and carries the svid extensions', async () => {
    const before = Date.now();
    const svid = await attestX509(server, 'tls-bot', opensslCsr(dir, 'agent'));
    const paths = writeSvid(dir, svid);

    const verify = openssl([
      'verify',
      '-CAfile',
      paths.bundle,
      '-untrusted',
      paths.intermediates,
      paths.leaf,
    ]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /leaf\.pem: OK/);
    for (const purpose of ['sslclient', 'sslserver']) {
      const r = openssl([
        'verify',
        '-purpose',
        purpose,
        '-CAfile',
        paths.bundle,
        '-untrusted',
        paths.intermediates,
        paths.leaf,
      ]);
      assert.equal(r.status, 0, `${purpose}: ${r.stderr}`);
    }

    const ext = extensions(paths.leaf);
    const san = extensionBlock(ext, 'X509v3 Subject Alternative Name');
    const names = san.split('\n').slice(1).join(', ').split(/,\s*/).filter(Boolean);
    assert.deepEqual(names, [`URI:${SPIFFE_ID}`], 'exactly one uri san, the spiffe id');
    const basic = extensionBlock(ext, 'X509v3 Basic Constraints');
    assert.match(basic, /CA:FALSE/);
    const keyUsage = extensionBlock(ext, 'X509v3 Key Usage');
    assert.match(keyUsage, /critical/);
    assert.match(keyUsage, /Digital Signature/);
    assert.doesNotMatch(keyUsage, /Certificate Sign|CRL Sign/);
    const eku = extensionBlock(ext, 'X509v3 Extended Key Usage');
    assert.match(eku, /TLS Web Server Authentication/);
    assert.match(eku, /TLS Web Client Authentication/);

    // The key in the certificate is the one openssl generated for the CSR.
    const certKey = opensslOk(['x509', '-noout', '-pubkey', '-in', paths.leaf]);
    const csrKey = opensslOk(['pkey', '-pubout', '-in', join(dir, 'agent.key')]);
    assert.equal(certKey, csrKey);

    // Default lifetime: one hour.
    const notAfter = Date.parse(
      opensslOk(['x509', '-noout', '-enddate', '-in', paths.leaf])
        .replace(/^notAfter=/, '')
        .trim(),
    );
    assert.ok(
      notAfter >= Math.floor(before / 1000) * 1000 + 3600_000 - 1000,
      'not shorter than 1h',
    );
    assert.ok(notAfter <= Date.now() + 3600_000, 'not longer than 1h');
    assert.equal(Date.parse(svid.expires_at), notAfter);
  });

  it('publishes the same trust anchor in the spiffe bundle', async () => {
    const svid = await attestX509(server, 'tls-bot', opensslCsr(dir, 'bundle-check'));
    const bundle = await getJson<SpiffeBundleBody>(
      (await discover(server.url)).spiffe_bundle_endpoint,
    );
    const anchors = bundle.keys.filter((k) => k.use === 'x509-svid').map((k) => k.x5c![0]!);
    const answered = svid.bundle.map((pem) =>
      pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, ''),
    );
    assert.deepEqual([...anchors].sort(), [...answered].sort());
  });

  it('caps the ttl and honours a shorter one', async () => {
    const short = await attestX509(server, 'tls-bot', opensslCsr(dir, 'short'), 600);
    assert.ok(Date.parse(short.expires_at) <= Date.now() + 600_000);
    const long = await attestX509(server, 'tls-bot', opensslCsr(dir, 'long'), 30 * 86_400);
    assert.ok(
      Date.parse(long.expires_at) <= Date.now() + 86_400_000,
      'capped to x509SvidMaxTtl (24h)',
    );
  });

  it('rejects a csr that does not parse', async () => {
    const res = await attest(server, {
      join_token: await joinToken(server, 'tls-bot'),
      x509_svid: {
        csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
      },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal((res.body as unknown as { code: string }).code, 'invalid_csr');
  });
});

describe('x509-svid under an operator ca', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    dir = scratchDir();
    opensslOk(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'root.key',
        '-out',
        'root.pem',
        '-days',
        '30',
        '-subj',
        '/O=Operator/CN=Operator Root CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    server = await startTestServer({
      flags: { caUpstreamCert: join(dir, 'root.pem'), caUpstreamKey: join(dir, 'root.key') },
    });
    await registerAgent(server, 'tls-bot');
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  it('issues leaves that verify against the operator root', async () => {
    const svid = await attestX509(server, 'tls-bot', opensslCsr(dir, 'agent'));
    const paths = writeSvid(dir, svid);
    const root = join(dir, 'root.pem');
    const verify = openssl([
      'verify',
      '-CAfile',
      root,
      '-untrusted',
      paths.intermediates,
      paths.leaf,
    ]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /leaf\.pem: OK/);

    // The chain's first certificate is Mandate's intermediate, issued by the operator root.
    const intermediate = join(dir, 'mandate-ca.pem');
    writeFileSync(intermediate, svid.cert_chain[1]!);
    const rootSubject = opensslOk(['x509', '-noout', '-subject', '-in', root])
      .replace(/^subject=/, '')
      .trim();
    assert.equal(
      opensslOk(['x509', '-noout', '-issuer', '-in', intermediate])
        .replace(/^issuer=/, '')
        .trim(),
      rootSubject,
    );
    const caExt = extensions(intermediate);
    assert.match(extensionBlock(caExt, 'X509v3 Basic Constraints'), /CA:TRUE/);
    // X509-SVID §3.2: a signing ca's spiffe id is the trust domain, without a path.
    assert.equal(
      extensionBlock(caExt, 'X509v3 Subject Alternative Name').split('\n')[1],
      'URI:spiffe://mandate.local',
    );

    // The bundle's trust anchor is the operator root, not the intermediate.
    const rootDer = opensslOk(['x509', '-in', root]).replace(
      /-----(BEGIN|END) CERTIFICATE-----|\s/g,
      '',
    );
    const bundle = await getJson<SpiffeBundleBody>(
      (await discover(server.url)).spiffe_bundle_endpoint,
    );
    assert.deepEqual(
      bundle.keys.filter((k) => k.use === 'x509-svid').map((k) => k.x5c),
      [[rootDer]],
    );

    // A leaf does not verify without the intermediate: the root alone is not its issuer.
    const alone = openssl(['verify', '-CAfile', root, paths.leaf]);
    assert.notEqual(alone.status, 0);
  });
});
