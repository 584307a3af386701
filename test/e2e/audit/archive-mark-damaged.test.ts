// A damaged `audit_archived` mark in the database (the end of the audit archive) once made the
// background retention run throw a bare JSON SyntaxError on every tick, and `mandate audit verify`
// crash with it. Now: a clear, specific error naming what to run, logged once per run (the run
// rejects; the timer logs it), audited as a failed `retention.prune`, the server keeps serving,
// and `mandate audit verify` (CLI offline, and POST /v1/audit/verify) reports it as not ok.
// Real SQLite file, its meta row corrupted by a second connection.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../../../src/core/clock.js';
import { DATABASE_FILE } from '../../../src/server/mandate.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { killRunningClis, runCli } from '../helpers/cli.js';
import { auditEvents } from '../oauth/helpers.js';

const DAMAGED =
  /^the audit archive mark in the database is damaged: .+; run `mandate audit verify --data-dir .+ --archives`/;

describe('a damaged audit archive mark', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;

  before(async () => {
    server = await startTestServer({
      clock,
      flags: { auditRetention: 86_400, auditCheckpointInterval: 86_400 },
    });
  });
  after(async () => {
    killRunningClis();
    await server.stop();
  });

  for (const value of ['{"seq":', '{"seq":"x","hash":1}', 'null', '[]']) {
    test(`mark ${value}: retention fails with a specific error, audited once, the server keeps serving; verify reports it`, async () => {
      const db = new Database(join(server.dataDir, DATABASE_FILE));
      try {
        db.prepare(
          "INSERT INTO meta (key, value) VALUES ('audit_archived', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ).run(value);
      } finally {
        db.close();
      }
      const seq = (await auditEvents(server)).at(-1)!.seq;
      const run = (
        server.mandate as unknown as { retention: { run(): Promise<unknown> } }
      ).retention.run();
      await assert.rejects(run, (err: Error) => {
        assert.match(err.message, DAMAGED);
        assert.ok(!(err instanceof SyntaxError), 'not a bare JSON.parse error');
        return true;
      });
      const failed = (await auditEvents(server, seq)).filter((e) => e.action === 'retention.prune');
      assert.equal(failed.length, 1, 'one failed retention run audited');
      assert.equal(failed[0]!.outcome, 'failure');
      assert.match(String((failed[0]!.details as { error: unknown }).error), DAMAGED);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the server keeps serving');

      const online = await server.admin.verifyAudit();
      assert.equal(online.ok, false);
      assert.match(String(online.reason), DAMAGED);
      const cli = await runCli([
        'audit',
        'verify',
        '--data-dir',
        server.dataDir,
        '--archives',
        '--json',
      ]);
      assert.equal(cli.code, 3, cli.stderr);
      const offline = JSON.parse(cli.stdout) as { ok: boolean; reason: string };
      assert.equal(offline.ok, false);
      assert.match(offline.reason, DAMAGED);
    });
  }
});
