// The server on port 0 and its periodic jobs on the injected clock (issue 13, item 1). With
// `--port 0` and no issuer, the issuer names the port the system picked (it named port 0, so every
// token's `iss` and metadata URL pointed nowhere), and no other process can take the port between
// picking and listening. Housekeeping (audit checkpoints) and retention run when the clock is
// advanced past their period, not on wall time.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { loadConfig } from '../../../src/server/config/load.js';
import { startServer } from '../../../src/server/serve.js';
import { startTestServer, TEST_ADMIN_TOKEN, tempDataDir } from '../../fakes/server.js';

describe('port 0', () => {
  test('with no issuer given, the issuer names the bound port: metadata and tokens agree with the URL', async () => {
    const dataDir = tempDataDir();
    const config = loadConfig({
      flags: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' },
      env: { MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    });
    const server = await startServer(config, { logger: false });
    try {
      const port = new URL(server.url).port;
      assert.notEqual(port, '0');
      assert.equal(server.mandate.config.issuer, `http://localhost:${port}`);
      const meta = (await (
        await fetch(`${server.url}/.well-known/oauth-authorization-server`)
      ).json()) as { issuer: string; token_endpoint: string };
      assert.equal(meta.issuer, `http://localhost:${port}`);
      assert.equal(meta.token_endpoint, `http://localhost:${port}/oauth/token`);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('an issuer given with port 0 in its URL gets the bound port too; one without it is kept', async () => {
    const a = await startTestServer();
    const b = await startTestServer({ flags: { issuer: 'https://mandate.example.org' } });
    try {
      assert.equal(a.config.issuer, a.url);
      assert.notEqual(new URL(a.url).port, '0');
      assert.equal(b.config.issuer, 'https://mandate.example.org');
      assert.notEqual(a.url, b.url);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('periodic jobs run on the injected clock', () => {
  test('advancing past auditCheckpointInterval seals the audit log; no timer is left after close', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock, flags: { auditCheckpointInterval: 60 } });
    try {
      await server.admin.registerAgent({
        name: 'ticker',
        owner: 'ops@example.org',
        purpose: 'clock test',
      });
      const before = (await server.mandate.store.read.audit.checkpoints()).length;
      const head = await server.mandate.store.read.audit.head();
      clock.advance(59_000);
      assert.equal(
        (await server.mandate.store.read.audit.checkpoints()).length,
        before,
        'not before the period',
      );
      clock.advance(1_000);
      // Housekeeping runs in the background from the timer: wait on its result (the bound only stops a hang).
      for (
        let i = 0;
        i < 500 && (await server.mandate.store.read.audit.checkpoints()).length === before;
        i++
      )
        await new Promise((r) => setTimeout(r, 10));
      const sealed = await server.mandate.store.read.audit.checkpoints();
      assert.equal(sealed.length, before + 1);
      assert.ok(sealed.at(-1)!.seq >= (head?.seq ?? 0));
    } finally {
      await server.stop();
    }
    assert.equal(clock.pendingTimers, 0, 'close stops every timer it started');
  });
});
