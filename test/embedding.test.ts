// The embedding API (`import … from 'mandate'`, src/index.ts) in process: configuration given in
// code, a server started and reached over real HTTP with plain fetch, services used directly.
// test/package.test.ts checks the same names through the packed and installed package.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import {
  buildHttpServer,
  createMandate,
  isMandateError,
  loadConfig,
  settings,
  startServer,
} from '../src/index.js';
import { tempDataDir } from './fakes/server.js';

const ADMIN_TOKEN = 'embedded-admin-token-0123456789abcdef';

describe('embedding API (mandate)', () => {
  const dirs: string[] = [];
  const dir = (): string => {
    const d = tempDataDir('mandate-embed-');
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('loadConfig takes values in code, secrets included, above flags, env and defaults', () => {
    const config = loadConfig({
      values: { port: 0, trustDomain: 'example.org', adminToken: ADMIN_TOKEN },
      flags: { port: 9000, host: '127.0.0.2' },
      env: { MANDATE_TRUST_DOMAIN: 'env.example.org', MANDATE_LOG_LEVEL: 'warn' },
    });
    assert.equal(config.port, 0);
    assert.equal(config.trustDomain, 'example.org');
    assert.equal(config.adminToken, ADMIN_TOKEN);
    assert.equal(config.host, '127.0.0.2');
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.dataDir, settings.dataDir.default);
  });

  test('loadConfig reads no environment unless given one', () => {
    process.env.MANDATE_TRUST_DOMAIN = 'ambient.example.org';
    try {
      assert.equal(loadConfig().trustDomain, settings.trustDomain.default);
    } finally {
      delete process.env.MANDATE_TRUST_DOMAIN;
    }
  });

  test('a bad or unknown value in code is invalid_config naming the key and the source', () => {
    assert.throws(
      () => loadConfig({ values: { port: 'eighty' as unknown as number } }),
      (err: unknown) =>
        isMandateError(err) &&
        err.code === 'invalid_config' &&
        /`port` from the given values \(port\) is `eighty`/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ values: { prot: 8080 } as Record<string, unknown> }),
      (err: unknown) =>
        isMandateError(err) &&
        err.code === 'invalid_config' &&
        /unknown key `prot` in the given values/.test(err.message),
    );
    // Inherited names are not settings either.
    assert.throws(
      () => loadConfig({ values: JSON.parse('{"toString": 1}') as Record<string, unknown> }),
      (err: unknown) =>
        isMandateError(err) &&
        err.code === 'invalid_config' &&
        /unknown key `toString`/.test(err.message),
    );
    // A secret's value is never echoed.
    assert.throws(
      () => loadConfig({ values: { adminToken: 'short-secret' } }),
      (err: unknown) =>
        isMandateError(err) &&
        err.code === 'invalid_config' &&
        /`adminToken`/.test(err.message) &&
        !err.message.includes('short-secret'),
    );
  });

  test('startServer listens on a free port, serves the API with the given admin token, and closes', async () => {
    const server = await startServer(
      loadConfig({
        values: { port: 0, dataDir: dir(), adminToken: ADMIN_TOKEN, logLevel: 'silent' },
      }),
      { logger: false },
    );
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(server.url, 'http://127.0.0.1:0');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/v1/agents`)).status, 401);
      const listed = await fetch(`${server.url}/v1/agents`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      assert.equal(listed.status, 200);
      assert.deepEqual(await server.mandate.agents.list(), []);
    } finally {
      await server.close();
    }
  });

  test('createMandate composes the services; buildHttpServer serves them when the embedder listens', async () => {
    const mandate = await createMandate(
      loadConfig({ values: { dataDir: dir(), adminToken: ADMIN_TOKEN, logLevel: 'silent' } }),
    );
    const app = buildHttpServer(mandate, { logger: false });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      assert.ok(typeof address === 'object' && address);
      const res = await fetch(`http://127.0.0.1:${address.port}/.well-known/jwks.json`);
      assert.equal(res.status, 200);
      assert.ok(((await res.json()) as { keys: unknown[] }).keys.length > 0);
    } finally {
      await app.close();
      await mandate.close();
    }
  });
});
