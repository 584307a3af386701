// OWASP Agentic Top 10 2026 — ASI08 Cascading Failures: growth without bound.
//
// An agent fleet that keeps asking for credentials, tasks and decisions must not fill the disk
// until Mandate (and every enforcement point failing closed behind it) stops. Expired records
// are deleted once they are past their expiry by the revocation tolerance (300 s) plus
// `retentionExpired`, in bounded batches, with one summary audit event per run; audit events
// older than `auditRetention` are archived as JSON Lines with the signed checkpoint sealing them
// before their rows go. Everything is driven through real HTTP, a ManualClock, an independent
// SQLite connection to count rows, and the real CLI for `audit verify --archives`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock } from '../../../src/core/clock.js';
import { DATABASE_FILE } from '../../../src/server/mandate.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { killRunningClis, runCli } from '../helpers/cli.js';
import {
  addTrustRule,
  adminOk,
  auditEvents,
  claimsOf,
  delegate,
  isActive,
  registerAgent,
  revoke,
  startTask,
} from '../oauth/helpers.js';

const RETENTION_S = 3600;
const GRACE_S = 300;

describe('ASI08 Cascading Failures: expired records and old audit events do not grow without bound', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let db: Database.Database;
  const count = (table: string): number =>
    (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const run = async () =>
    (
      server.mandate as unknown as { retention: { run(): Promise<Record<string, unknown>> } }
    ).retention.run();

  before(async () => {
    // The periodic jobs (on this clock) come a day apart: the first test's moves, hours long, run none; `run` is called by hand.
    server = await startTestServer({
      clock,
      flags: {
        retentionExpired: RETENTION_S,
        retentionBatch: 2,
        auditRetention: 86_400,
        auditCheckpointInterval: 86_400,
        retentionInterval: 86_400,
      },
    });
    // An independent reader of the same file, as an operator's sqlite3 would be.
    db = new Database(join(server.dataDir, DATABASE_FILE), { readonly: true });
  });
  after(async () => {
    db?.close();
    await killRunningClis();
    await server?.stop();
  });

  test('expired tokens, their ancestor edges, ended tasks, credentials and join tokens go only after exp + tolerance + retention, in batches, one summary event per run', async () => {
    const alpha = { name: 'alpha', id: await registerAgent(server, 'alpha') };
    const beta = { name: 'beta', id: await registerAgent(server, 'beta') };
    await addTrustRule(server, alpha.id, beta.id);
    const ended = await startTask(server, alpha);
    await adminOk(server, 'POST', `/v1/tasks/${ended.task_id}/end`);
    const parent = await startTask(server, alpha);
    const child = await delegate(server, alpha, parent.access_token, 'beta');
    await revoke(server, parent.access_token);
    await adminOk(server, 'POST', '/v1/agents/alpha/join-tokens', {});
    const exp =
      Math.max(
        claimsOf(parent.access_token).exp,
        claimsOf(child.access_token).exp,
        claimsOf(ended.access_token).exp,
      ) * 1000;
    const before = {
      tokens: count('task_tokens'),
      edges: count('task_token_ancestors'),
      tasks: count('tasks'),
      credentials: count('credentials'),
      joinTokens: count('join_tokens'),
    };
    assert.ok(
      before.tokens >= 3 && before.edges >= 1 && before.credentials >= 3 && before.joinTokens >= 1,
      JSON.stringify(before),
    );

    // Expired, but within the verifiers' clock tolerance: a revoked token row must not go, or it could come back to life.
    clock.set(exp + (GRACE_S - 100) * 1000);
    await run();
    assert.equal(count('task_tokens'), before.tokens);
    assert.equal(count('task_token_ancestors'), before.edges);
    assert.equal(
      await isActive(server, child.access_token),
      false,
      'the revoked subtree stays revoked',
    );

    // One second short of exp + tolerance + retention: still kept.
    clock.set(exp + (GRACE_S + RETENTION_S - 1) * 1000);
    await run();
    assert.equal(count('task_tokens'), before.tokens);
    assert.equal(count('tasks'), before.tasks);
    // The housekeeping marks the still-active task expired (task.expire); retention never deletes an active task.
    await server.mandate.tasks.expireDue();

    const seqBefore = (await auditEvents(server)).at(-1)!.seq;
    clock.set(exp + (GRACE_S + RETENTION_S + 2) * 1000);
    const summary = await run();
    assert.equal(count('task_tokens'), 0, 'every task token expired long enough ago');
    assert.equal(count('task_token_ancestors'), 0, 'their delegation edges with them');
    assert.equal(count('tasks'), 0, 'ended and expired tasks whose tokens are gone');
    assert.equal(count('credentials'), 0, 'JWT-SVID records expired long ago');
    assert.equal(count('join_tokens'), 0);
    const runs = (await auditEvents(server, seqBefore)).filter(
      (e) => e.action === 'retention.prune',
    );
    assert.equal(runs.length, 1, 'one summary event per run');
    const details = runs[0]!.details as { deleted: Record<string, number> };
    assert.equal(details.deleted.task_tokens, before.tokens);
    assert.equal(details.deleted.tasks, before.tasks);
    // JWT-SVIDs expire 10 minutes before the task tokens: some went in the earlier run, each run counting its own.
    const all = (await auditEvents(server))
      .filter((e) => e.action === 'retention.prune')
      .map((e) => (e.details as { deleted: Record<string, number> }).deleted.credentials ?? 0);
    assert.equal(
      all.reduce((a, b) => a + b, 0),
      before.credentials,
    );
    assert.deepEqual((summary as { deleted: Record<string, number> }).deleted, details.deleted);

    // A run with nothing to delete writes nothing.
    const seqAfter = (await auditEvents(server)).at(-1)!.seq;
    await run();
    assert.equal((await auditEvents(server)).at(-1)!.seq, seqAfter);
  });

  test('old audit events are archived with their signed checkpoint, then pruned; verify checks the live chain from the archive and, with --archives, the archives', async () => {
    await registerAgent(server, 'gamma');
    const oldSeal = (await adminOk<{ seq: number }>(server, 'POST', '/v1/audit/checkpoint')).seq;
    const total = count('audit_events');
    clock.advance(2 * 86_400_000);
    // The periodic jobs are on this clock: the move ran retention once, at its due time; let it end first.
    await server.mandate.retention.idle();
    await registerAgent(server, 'delta'); // a fresh event, inside the retention
    const sealed = (await adminOk<{ seq: number }>(server, 'POST', '/v1/audit/checkpoint')).seq;
    await run();
    const dir = join(server.dataDir, 'audit-archive');
    const files = readdirSync(dir).sort();
    assert.ok(files.length >= 2, files.join(','));
    const jsonl = files.find((f) => f.endsWith('.jsonl'))!;
    const [first, last] = jsonl.replace('.jsonl', '').split('-').map(Number) as [number, number];
    assert.equal(first, 1);
    assert.equal(
      last,
      oldSeal,
      `archived 1-${last}: up to the newest checkpoint older than the retention; ${sealed} is live`,
    );
    assert.ok(total >= oldSeal);
    assert.ok(files.includes(`${first}-${last}.jws`), 'the signed checkpoint sealing the segment');
    assert.equal(
      readFileSync(join(dir, jsonl), 'utf8').trim().split('\n').length,
      last - first + 1,
    );
    assert.ok(count('audit_events') < total, `rows pruned: ${count('audit_events')} of ${total}`);
    assert.equal(
      (db.prepare('SELECT MIN(seq) AS s FROM audit_events').get() as { s: number }).s,
      last,
      'the live chain starts at the last archived (sealed) event',
    );

    const live = await adminOk<{ ok: boolean; events_checked: number; reason: string | null }>(
      server,
      'POST',
      '/v1/audit/verify',
    );
    assert.equal(live.ok, true, String(live.reason));
    assert.ok(live.events_checked < total);

    const ok = await runCli([
      'audit',
      'verify',
      '--data-dir',
      server.dataDir,
      '--archives',
      '--json',
    ]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const report = JSON.parse(ok.stdout) as {
      ok: boolean;
      archives_checked: number;
      archived_events: number;
    };
    assert.deepEqual(
      { ok: report.ok, archives: report.archives_checked, events: report.archived_events },
      { ok: true, archives: 1, events: last },
    );

    // An edit inside an archive is caught, at its seq.
    const lines = readFileSync(join(dir, jsonl), 'utf8').split('\n');
    const victim = JSON.parse(lines[2]!) as { seq: number; actor: string };
    lines[2] = JSON.stringify({ ...victim, actor: 'someone-else' });
    writeFileSync(join(dir, jsonl), lines.join('\n'));
    const bad = await runCli([
      'audit',
      'verify',
      '--data-dir',
      server.dataDir,
      '--archives',
      '--json',
    ]);
    assert.equal(bad.code, 3, bad.stderr + bad.stdout);
    assert.equal((JSON.parse(bad.stdout) as { first_bad_seq: number }).first_bad_seq, victim.seq);
  });
});
