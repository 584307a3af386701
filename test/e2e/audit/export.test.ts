import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, tempDataDir, type TestServer } from '../../fakes/server.js';
import { killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

interface ExportedEvent {
  seq: number;
  time: string;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** Parses JSONL strictly: every line one JSON object, and a newline after the last. */
function parseJsonl(text: string): ExportedEvent[] {
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), 'JSONL ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      assert.doesNotThrow(() => JSON.parse(line), `line ${i + 1} is not JSON: ${line}`);
      return JSON.parse(line) as ExportedEvent;
    });
}

describe('mandate audit export', () => {
  let server: TestServer;
  let total: number;
  const outDir = tempDataDir('mandate-export-');

  before(async () => {
    // No housekeeping during the test: under load the CLI children can outlast the default
    // 60 s interval, and an event appended between `total` and an export breaks the counts.
    server = await startTestServer({ flags: { auditCheckpointInterval: 86_400 } });
    for (const name of ['exp-a', 'exp-b', 'exp-c'])
      await server.admin.registerAgent({ name, owner: 'ops@example.org', purpose: 'export test' });
    await server.admin.createJoinToken('exp-a');
    await server.admin.suspendAgent('exp-b');
    total = (await server.admin.verifyAudit()).events_checked;
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  test('--since 1h writes every recent event as one parsable JSON line, in seq order', async () => {
    const r = await runCli(['audit', 'export', '--since', '1h', ...serverArgs(server)]);
    assert.equal(r.code, 0, r.stderr);
    const events = parseJsonl(r.stdout);
    assert.equal(events.length, total);
    events.forEach((e, i) => {
      assert.equal(e.seq, i + 1, 'consecutive seqs from 1');
      if (i > 0)
        assert.equal(e.prev_hash, events[i - 1]!.hash, `event ${e.seq} links to the one before`);
      assert.match(e.hash, /^[0-9a-f]{64}$/);
      assert.ok(!Number.isNaN(Date.parse(e.time)), `time is ISO 8601: ${e.time}`);
      for (const key of ['actor', 'action', 'target', 'outcome', 'request_id', 'details'] as const)
        assert.ok(key in e, `event ${e.seq} has ${key}`);
    });
    assert.deepEqual(
      events.filter((e) => e.action === 'agent.register').map((e) => e.target),
      ['exp-a', 'exp-b', 'exp-c'].map((n) => `spiffe://mandate.local/agent/${n}`),
    );
  });

  test('--since an ISO time keeps the events at or after it', async () => {
    const all = parseJsonl((await runCli(['audit', 'export', ...serverArgs(server)])).stdout);
    const pivot = all.find((e) => e.action === 'agent.register')!;
    const r = await runCli(['audit', 'export', '--since', pivot.time, ...serverArgs(server)]);
    assert.equal(r.code, 0, r.stderr);
    const since = parseJsonl(r.stdout);
    const expected = all
      .filter((e) => Date.parse(e.time) >= Date.parse(pivot.time))
      .map((e) => e.seq);
    assert.deepEqual(
      since.map((e) => e.seq),
      expected,
      'exactly the events at or after --since, in seq order',
    );
  });

  test('--since a future time writes nothing', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const r = await runCli(['audit', 'export', '--since', future, ...serverArgs(server)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  });

  test('--out writes the same JSONL to a file', async () => {
    const file = join(outDir, 'audit.jsonl');
    const r = await runCli([
      'audit',
      'export',
      '--since',
      '1h',
      '--out',
      file,
      ...serverArgs(server),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /wrote .*audit\.jsonl/);
    assert.equal(parseJsonl(readFileSync(file, 'utf8')).length, total);
  });

  test('a bad --since is a clear error and a non-zero exit', async () => {
    const r = await runCli(['audit', 'export', '--since', 'last tuesday', ...serverArgs(server)]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /`since` must be an ISO 8601 time or a duration such as 24h, got `last tuesday`/,
    );
  });
});
