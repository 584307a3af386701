import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { hashAuditEvent } from '../../../src/audit/chain.js';
import type { AuditEventRecord } from '../../../src/core/store/index.js';
import type { AuditVerifyResult } from '../../../src/sdk/admin-client.js';
import { attest } from '../../../src/sdk/agent-client.js';
import { DATABASE_FILE } from '../../../src/server/mandate.js';
import { startTestServer, tempDataDir } from '../../fakes/server.js';
import { killRunningClis, runCli } from '../helpers/cli.js';

// Tampering goes straight at the SQLite file, as an attacker with write access to the data dir
// would; then both verifiers must see it: the offline CLI and a server restarted on the file.

type Row = {
  seq: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  request_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
};

const toRecord = (r: Row): AuditEventRecord => ({
  seq: r.seq,
  time: r.time,
  actor: r.actor,
  action: r.action,
  target: r.target,
  outcome: r.outcome as AuditEventRecord['outcome'],
  requestId: r.request_id,
  details: JSON.parse(r.details) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
});
const rowAt = (db: Database.Database, seq: number): Row =>
  db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as Row;
const insertRow = (db: Database.Database, r: Row): void => {
  db.prepare(
    'INSERT INTO audit_events (seq, time, actor, action, target, outcome, request_id, details, prev_hash, hash) VALUES (@seq, @time, @actor, @action, @target, @outcome, @request_id, @details, @prev_hash, @hash)',
  ).run(r);
};
/** Moves every event at seq >= k one up (through negatives: seq is the primary key). */
const shiftUp = (db: Database.Database, k: number): void => {
  db.prepare('UPDATE audit_events SET seq = -seq - 1 WHERE seq >= ?').run(k);
  db.prepare('UPDATE audit_events SET seq = -seq WHERE seq < 0').run();
};
/** Recomputes prev_hash and hash of every event from `from` on, as a careful forger would. */
const rechain = (db: Database.Database, from: number): void => {
  let prev = rowAt(db, from - 1).hash;
  for (const row of db
    .prepare('SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq')
    .all(from) as Row[]) {
    const { hash: _old, ...unhashed } = toRecord({ ...row, prev_hash: prev });
    prev = hashAuditEvent(unhashed);
    db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(
      unhashed.prevHash,
      prev,
      row.seq,
    );
  }
};

describe('audit log tampering in the SQLite file', () => {
  let pristine: string;
  let midCheckpoint: number;
  let head: number;
  const copies: string[] = [];

  before(async () => {
    const server = await startTestServer({ flags: { auditCheckpointInterval: 86_400 } });
    pristine = server.dataDir;
    for (const name of ['alpha', 'beta', 'gamma'])
      await server.admin.registerAgent({ name, owner: 'ops@example.org', purpose: 'tamper test' });
    for (const name of ['alpha', 'beta', 'gamma']) {
      const { join_token } = await server.admin.createJoinToken(name);
      await attest({
        url: server.url,
        joinToken: join_token,
        audience: 'https://tools.example.org',
      });
    }
    midCheckpoint = (await server.admin.checkpointAudit()).seq!;
    await server.admin.rotateKeys();
    await server.admin.suspendAgent('beta');
    await server.admin.resumeAgent('beta');
    await server.admin.registerAgent({
      name: 'delta',
      owner: 'ops@example.org',
      purpose: 'tamper test',
    });
    head = (await server.admin.verifyAudit()).events_checked;
    // Stopping seals the head with a second checkpoint, so the log has checkpoints at midCheckpoint and head.
    await server.stop({ keepData: true });
  });

  after(async () => {
    await killRunningClis();
    for (const dir of [pristine, ...copies]) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the untouched data dir with `fn` applied to its database in one transaction. */
  function tampered(fn: (db: Database.Database) => void): string {
    const dir = tempDataDir('mandate-tamper-');
    copies.push(dir);
    cpSync(pristine, dir, { recursive: true });
    const db = new Database(join(dir, DATABASE_FILE));
    try {
      db.transaction(() => fn(db))();
    } finally {
      db.close();
    }
    return dir;
  }

  /** Verifies `dir` offline with the CLI, then with a server restarted on it. */
  async function verifyBoth(
    dir: string,
  ): Promise<{ exitCode: number | null; cli: AuditVerifyResult; server: AuditVerifyResult }> {
    const r = await runCli(['audit', 'verify', '--data-dir', dir, '--json']);
    assert.ok(r.stdout, `the CLI printed nothing; stderr:\n${r.stderr}`);
    const server = await startTestServer({
      dataDir: dir,
      flags: { auditCheckpointInterval: 86_400 },
    });
    try {
      return {
        exitCode: r.code,
        cli: JSON.parse(r.stdout) as AuditVerifyResult,
        server: await server.admin.verifyAudit(),
      };
    } finally {
      await server.stop();
    }
  }

  async function assertBrokenAt(dir: string, seq: number, reason: RegExp): Promise<void> {
    const { exitCode, cli, server } = await verifyBoth(dir);
    assert.notEqual(exitCode, 0, 'the CLI must exit non-zero on a broken log');
    for (const [who, v] of [
      ['cli', cli],
      ['server', server],
    ] as const) {
      assert.equal(v.ok, false, `${who}: ok`);
      assert.equal(v.first_bad_seq, seq, `${who}: first_bad_seq (reason: ${String(v.reason)})`);
      assert.match(v.reason ?? '', reason, `${who}: reason`);
    }
  }

  // The event tampered with in most cases: after the start-up events, before the mid checkpoint.
  const K = 10;

  test('the log has the shape the cases below rely on', () => {
    assert.ok(head >= 20, `expected ~20 events, got ${head}`);
    assert.ok(midCheckpoint > K + 1 && midCheckpoint < head, `mid checkpoint at ${midCheckpoint}`);
  });

  test('an untouched log verifies ok with both verifiers', async () => {
    const { exitCode, cli, server } = await verifyBoth(tampered(() => undefined));
    assert.equal(exitCode, 0);
    for (const v of [cli, server]) {
      // Three checkpoints: the start seals its own start-up events (issue 12 item 11), then mid and head.
      assert.deepEqual(v, {
        ok: true,
        events_checked: head,
        checkpoints_checked: 3,
        first_bad_seq: null,
        reason: null,
        unsealed_events: 0,
      });
    }
  });

  test('(a) an edited field of event k is reported at k', async () => {
    const dir = tampered((db) =>
      db.prepare('UPDATE audit_events SET actor = ? WHERE seq = ?').run('mallory', K),
    );
    await assertBrokenAt(dir, K, /modified/);
  });

  test('(b) a deleted event k is reported at k, the gap', async () => {
    const dir = tampered((db) => db.prepare('DELETE FROM audit_events WHERE seq = ?').run(K));
    await assertBrokenAt(dir, K, /missing/);
  });

  test('(c1) a forged event inserted at k with a garbage hash is reported at k', async () => {
    const dir = tampered((db) => {
      const prev = rowAt(db, K - 1);
      shiftUp(db, K);
      insertRow(db, {
        ...rowAt(db, K + 1),
        seq: K,
        actor: 'mallory',
        prev_hash: prev.hash,
        hash: 'f'.repeat(64),
      });
    });
    // It links to k-1 but its content does not match its hash.
    await assertBrokenAt(dir, K, /modified/);
  });

  test('(c2) a forged event inserted at k with a correctly recomputed hash is reported at k+1', async () => {
    const dir = tampered((db) => {
      const prev = rowAt(db, K - 1);
      shiftUp(db, K);
      const forged = { ...rowAt(db, K + 1), seq: K, actor: 'mallory', prev_hash: prev.hash };
      const { hash: _ignored, ...unhashed } = toRecord(forged);
      insertRow(db, { ...forged, hash: hashAuditEvent(unhashed) });
    });
    // The forged event itself is flawless: right seq, links to k-1, hash matches. The first
    // provable break is the displaced original event, now at k+1: its prev_hash is still k-1's
    // hash, not the forged event's (the mid checkpoint, further on, also no longer matches).
    await assertBrokenAt(dir, K + 1, /does not link/);
  });

  test('(d) two swapped events are reported at the lower seq', async () => {
    const J = K + 3;
    const dir = tampered((db) => {
      const [a, b] = [rowAt(db, K), rowAt(db, J)];
      db.prepare('DELETE FROM audit_events WHERE seq IN (?, ?)').run(K, J);
      insertRow(db, { ...b, seq: K });
      insertRow(db, { ...a, seq: J });
    });
    // Event k now carries j's prev_hash (the hash of j-1), which is not k-1's hash.
    await assertBrokenAt(dir, K, /does not link/);
  });

  test('(e) an edit with the whole chain recomputed is caught by the first signed checkpoint after it', async () => {
    const dir = tampered((db) => {
      db.prepare('UPDATE audit_events SET actor = ? WHERE seq = ?').run('mallory', K);
      rechain(db, K);
    });
    // Every hash and link checks out; only the checkpoint signed over the old hash of event
    // midCheckpoint proves a rewrite, and it can only say "at or before" its own seq.
    await assertBrokenAt(dir, midCheckpoint, /rewritten/);
  });

  test('(e) a recomputed rewrite after the mid checkpoint is caught by the checkpoint at the head', async () => {
    const dir = tampered((db) => {
      db.prepare('UPDATE audit_events SET outcome = ? WHERE seq = ?').run(
        'failure',
        midCheckpoint + 2,
      );
      rechain(db, midCheckpoint + 2);
    });
    await assertBrokenAt(dir, head, /rewritten/);
  });

  test('(f) deleting the tail after a checkpoint is reported at the first missing seq', async () => {
    const dir = tampered((db) =>
      db.prepare('DELETE FROM audit_events WHERE seq > ?').run(midCheckpoint),
    );
    // What is left is a valid chain sealed by the mid checkpoint; the head checkpoint still
    // vouches for events up to `head`, so event midCheckpoint+1 is provably missing.
    await assertBrokenAt(dir, midCheckpoint + 1, /deleted/);
  });
});
