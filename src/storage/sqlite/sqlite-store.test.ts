import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../../core/clock.js';
import { MandateError } from '../../core/errors.js';
import { storeConformance } from '../conformance/store-conformance.js';
import { migrations } from './migrations/index.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeConformance('sqlite', async () =>
  SqliteStore.open({ path: join(dir, `conf-${++n}.db`), clock: new ManualClock() }),
);

test('sqlite: WAL mode, migrations applied once and recorded', async () => {
  const path = join(dir, 'wal.db');
  const store = SqliteStore.open({ path, clock: new ManualClock() });
  await store.close();
  const again = SqliteStore.open({ path, clock: new ManualClock() });
  await again.close();
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
    version: number;
  }[];
  assert.deepEqual(
    versions.map((v) => v.version),
    migrations.map((m) => m.version),
  );
  db.close();
});

test('sqlite: a database from a newer Mandate is refused, not downgraded', async () => {
  const path = join(dir, 'future.db');
  const store = SqliteStore.open({ path, clock: new ManualClock() });
  await store.close();
  const db = new Database(path);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
    999,
    'from the future',
    0,
  );
  db.close();
  assert.throws(
    () => SqliteStore.open({ path, clock: new ManualClock() }),
    (err: unknown) =>
      err instanceof MandateError && err.code === 'invalid_config' && /newer/.test(err.message),
  );
});

test('sqlite: migration 12 counts the tasks active before it as tainted at the top classification (their session was in memory only)', async () => {
  const path = join(dir, 'sessions-12.db');
  const store = SqliteStore.open({ path, clock: new ManualClock() });
  const task = (id: string) => ({
    id,
    agent: 'spiffe://example.org/agent/a',
    subject: 'spiffe://example.org/agent/a',
    purpose: 'p',
    scopes: [],
    authorizationDetails: [],
    audience: ['https://gw.example.org'],
    grantId: null,
    status: 'active' as const,
    createdAt: 1,
    expiresAt: 1000,
    endedAt: null,
    endedBy: null,
    rootJti: `j-${id}`,
  });
  await store.transaction(async (tx) => {
    await tx.tasks.insert(task('live'));
    await tx.tasks.insert(task('done'));
    await tx.tasks.finish('done', 'ended', 2, 'test');
  });
  await store.close();
  // Back to before migration 12, as a data dir from an older Mandate would be.
  const db = new Database(path);
  db.exec('DROP TABLE task_sessions; DELETE FROM schema_migrations WHERE version = 12;');
  db.close();
  const again = SqliteStore.open({ path, clock: new ManualClock() });
  try {
    const live = await again.read.taskSessions.get('live');
    assert.equal(live?.highestClassification, 'restricted');
    assert.deepEqual([live.toolsCalled, live.externalDestinations, live.callCount], [[], [], 0]);
    assert.equal(await again.read.taskSessions.get('done'), undefined);
  } finally {
    await again.close();
  }
});
