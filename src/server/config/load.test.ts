import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MandateError } from '../../core/errors.js';
import { envName, flagName, settings } from './defaults.js';
import { loadConfig, type ConfigSources } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-config-'));
let n = 0;
/** Writes a config file (JSON for objects, verbatim for strings) and returns its path. */
function configFile(content: unknown): string {
  const path = join(dir, `config-${n++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Asserts loadConfig fails with invalid_config and a message matching every pattern. */
function assertInvalid(sources: ConfigSources, key: string, ...patterns: RegExp[]): string {
  let message = '';
  assert.throws(
    () => loadConfig(sources),
    (err: unknown) => {
      assert.ok(err instanceof MandateError);
      assert.equal(err.code, 'invalid_config');
      assert.equal(err.details?.key, key);
      message = err.message;
      return true;
    },
  );
  for (const p of patterns) assert.match(message, p);
  return message;
}

describe('loadConfig', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, './.mandate');
    assert.equal(c.trustDomain, 'mandate.local');
    assert.equal(c.issuer, 'http://localhost:8080');
    assert.equal(c.jwtSvidTtl, 300);
    assert.equal(c.masterKey, undefined);
  });

  it('derives the default issuer from the port in effect', () => {
    assert.equal(loadConfig({ flags: { port: '9000' } }).issuer, 'http://localhost:9000');
    assert.equal(loadConfig({ env: { MANDATE_PORT: '9001' } }).issuer, 'http://localhost:9001');
    assert.equal(
      loadConfig({ flags: { issuer: 'https://mandate.example.org/' } }).issuer,
      'https://mandate.example.org',
      'trailing slash dropped',
    );
  });

  it('takes flag > env > file > default, per key', () => {
    const file = configFile({
      port: 7003,
      trustDomain: 'file.example',
      dataDir: '/from/file',
      jwtSvidTtl: 120,
    });
    const env = { MANDATE_PORT: '7002', MANDATE_TRUST_DOMAIN: 'env.example' };
    const all = loadConfig({ flags: { port: '7001' }, env, file });
    assert.equal(all.port, 7001, 'flag beats env and file');
    assert.equal(all.trustDomain, 'env.example', 'env beats file');
    assert.equal(all.dataDir, '/from/file', 'file beats default');
    assert.equal(all.jwtSvidTtl, 120);
    assert.equal(all.x509SvidTtl, 3600, 'default when nobody sets it');
    assert.equal(loadConfig({ env, file }).port, 7002);
    assert.equal(loadConfig({ file }).port, 7003);
  });

  it('reads the file from MANDATE_CONFIG when no file is given, and --config wins over it', () => {
    const a = configFile({ trustDomain: 'a.example' });
    const b = configFile({ trustDomain: 'b.example' });
    assert.equal(loadConfig({ env: { MANDATE_CONFIG: a } }).trustDomain, 'a.example');
    assert.equal(loadConfig({ env: { MANDATE_CONFIG: a }, file: b }).trustDomain, 'b.example');
  });

  it('treats an empty flag or env value as unset', () => {
    assert.equal(
      loadConfig({
        flags: { port: '' },
        env: { MANDATE_PORT: '' },
        file: configFile({ port: 7010 }),
      }).port,
      7010,
    );
  });

  it('never takes a secret from a flag', () => {
    const key = 'A'.repeat(43);
    assert.equal(
      loadConfig({ flags: { masterKey: key, adminToken: 'x'.repeat(20) } }).masterKey,
      undefined,
    );
    assert.equal(loadConfig({ env: { MANDATE_MASTER_KEY: key } }).masterKey, key);
    assert.equal(
      loadConfig({ file: configFile({ adminToken: 'y'.repeat(20) }) }).adminToken,
      'y'.repeat(20),
    );
  });

  it('names every env variable and flag after its key', () => {
    assert.equal(envName('jwtSvidMaxTtl'), 'MANDATE_JWT_SVID_MAX_TTL');
    assert.equal(flagName('jwtSvidMaxTtl'), 'jwt-svid-max-ttl');
    for (const key of Object.keys(settings)) assert.match(envName(key), /^MANDATE_[A-Z0-9_]+$/);
  });

  describe('bad values name the key, the source and what is expected', () => {
    it('bad port, from each source', () => {
      assertInvalid(
        { flags: { port: 'abc' } },
        'port',
        /`port` from --port is `abc`; expected an integer from 0 to 65535/,
      );
      assertInvalid(
        { env: { MANDATE_PORT: '70000' } },
        'port',
        /`port` from MANDATE_PORT is `70000`/,
        /expected an integer from 0 to 65535/,
      );
      const file = configFile({ port: -1 });
      assertInvalid(
        { file },
        'port',
        new RegExp(`\`port\` from ${file.replace(/[.\\]/g, '\\$&')} \\(port\\) is \`-1\``),
      );
    });

    it('rejects values a plain number coercion would read as port 0 or 1', () => {
      for (const v of [null, false, true, []])
        assertInvalid(
          { file: configFile({ port: v }) },
          'port',
          /expected an integer from 0 to 65535/,
        );
      for (const v of [' ', '0x50', '8e1', '80.5'])
        assertInvalid({ env: { MANDATE_PORT: v } }, 'port', /`port` from MANDATE_PORT/);
    });

    it('uppercase trust domain, or one with a port', () => {
      assertInvalid(
        { flags: { trustDomain: 'Bad.Domain' } },
        'trustDomain',
        /`trustDomain` from --trust-domain is `Bad\.Domain`; expected a lowercase trust domain name/,
      );
      assertInvalid(
        { env: { MANDATE_TRUST_DOMAIN: 'example.org:8443' } },
        'trustDomain',
        /`trustDomain` from MANDATE_TRUST_DOMAIN is `example\.org:8443`/,
      );
    });

    it('issuer URL with a query, a fragment, or not http(s)', () => {
      assertInvalid(
        { flags: { issuer: 'https://mandate.example.org/?tenant=1' } },
        'issuer',
        /`issuer` from --issuer is `https:\/\/mandate\.example\.org\/\?tenant=1`; expected an http\(s\) URL without query or fragment/,
      );
      assertInvalid(
        { flags: { issuer: 'https://mandate.example.org/#x' } },
        'issuer',
        /without query or fragment/,
      );
      assertInvalid(
        { flags: { issuer: 'ftp://mandate.example.org' } },
        'issuer',
        /expected an http\(s\) URL/,
      );
    });

    it('other settings name their own expectation', () => {
      assertInvalid(
        { env: { MANDATE_JWT_SVID_ALG: 'EdDSA' } },
        'jwtSvidAlg',
        /`jwtSvidAlg` from MANDATE_JWT_SVID_ALG is `EdDSA`; expected one of .*the JWT-SVID spec forbids EdDSA/,
      );
      assertInvalid({ flags: { logLevel: 'loud' } }, 'logLevel', /expected one of fatal, error/);
      assertInvalid({ flags: { jwtSvidTtl: '0' } }, 'jwtSvidTtl', /expected seconds, 1 to 86400/);
    });

    it('unknown key in the file', () => {
      const file = configFile({ port: 8081, prot: 8082 });
      assertInvalid({ file }, 'prot', /unknown key `prot` in .*config-\d+\.json/);
      // Names every object has are not settings either.
      for (const key of ['toString', 'constructor', 'hasOwnProperty'])
        assertInvalid(
          { file: configFile({ [key]: 1 }) },
          key,
          new RegExp(`unknown key \`${key}\``),
        );
    });

    it('unreadable file', () => {
      assertInvalid(
        { file: join(dir, 'missing.json') },
        'config',
        /cannot read config file `.*missing\.json`/,
      );
    });

    it('a file that is not a JSON object', () => {
      for (const content of ['[1, 2]', '"port"', 'null', '{ port: 1 }']) {
        assertInvalid(
          { file: configFile(content) },
          'config',
          /config file `.*` must be a JSON object/,
        );
      }
    });

    it('jwtSvidTtl above jwtSvidMaxTtl, with both values and their sources', () => {
      assertInvalid(
        { flags: { jwtSvidTtl: '600' }, env: { MANDATE_JWT_SVID_MAX_TTL: '300' } },
        'jwtSvidTtl',
        /`jwtSvidTtl` \(600 from --jwt-svid-ttl\) must not exceed `jwtSvidMaxTtl` \(300 from MANDATE_JWT_SVID_MAX_TTL\)/,
      );
      assertInvalid(
        { flags: { jwtSvidTtl: '7200' } },
        'jwtSvidTtl',
        /`jwtSvidMaxTtl` \(3600 from the default\)/,
      );
      assertInvalid(
        { flags: { x509SvidTtl: '7200', x509SvidMaxTtl: '3600' } },
        'x509SvidTtl',
        /`x509SvidTtl` \(7200 from --x509-svid-ttl\) must not exceed `x509SvidMaxTtl`/,
      );
    });

    it('only one of caUpstreamCert and caUpstreamKey', () => {
      assertInvalid(
        { flags: { caUpstreamCert: '/etc/ca.pem' } },
        'caUpstreamCert',
        /`caUpstreamCert` \(\/etc\/ca\.pem from --ca-upstream-cert\) is set without `caUpstreamKey`; .*set both or neither/,
      );
      assertInvalid(
        { env: { MANDATE_CA_UPSTREAM_KEY: '/etc/ca.key' } },
        'caUpstreamKey',
        /`caUpstreamKey` .* from MANDATE_CA_UPSTREAM_KEY\) is set without `caUpstreamCert`/,
      );
    });

    it('a bad secret is shown as <hidden>, never echoed', () => {
      const secret = 'short-s3cret';
      const m1 = assertInvalid(
        { env: { MANDATE_ADMIN_TOKEN: secret } },
        'adminToken',
        /`adminToken` from MANDATE_ADMIN_TOKEN is <hidden>; expected at least 16 characters/,
      );
      assert.ok(!m1.includes(secret));
      const file = configFile({ adminToken: secret });
      const m2 = assertInvalid({ file }, 'adminToken', /is <hidden>/);
      assert.ok(!m2.includes(secret));
    });

    it('an admin token that `Authorization: Bearer` cannot carry (RFC 6750 b64token) is refused at start', () => {
      for (const secret of ['sixteen chars ok!', 'long-enough-but,comma', 'long-enough-with"quote'])
        assertInvalid(
          { env: { MANDATE_ADMIN_TOKEN: secret } },
          'adminToken',
          /expected at least 16 characters, each a letter, a digit or one of/,
        );
      assert.equal(
        loadConfig({ env: { MANDATE_ADMIN_TOKEN: 'madm_Ab-._~+/09xyz==' } }).adminToken,
        'madm_Ab-._~+/09xyz==',
      );
    });
  });
});
