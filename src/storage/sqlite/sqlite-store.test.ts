import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../../core/clock.js';
import { MandateError } from '../../core/errors.js';
import { storeConformance } from '../conformance/store-conformance.js';
import { migrations } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeConformance('sqlite', async () => SqliteStore.open({ path: join(dir, `conf-${++n}.db`), clock: new ManualClock() }));

test('sqlite: WAL mode, migrations applied once and recorded', async () => {
  const path = join(dir, 'wal.db');
  const store = SqliteStore.open({ path, clock: new ManualClock() });
  await store.close();
  const again = SqliteStore.open({ path, clock: new ManualClock() });
  await again.close();
  const db = new Database(path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
  assert.deepEqual(versions.map((v) => v.version), migrations.map((m) => m.version));
  db.close();
});

test('sqlite: a database from a newer Mandate is refused, not downgraded', async () => {
  const path = join(dir, 'future.db');
  const store = SqliteStore.open({ path, clock: new ManualClock() });
  await store.close();
  const db = new Database(path);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from the future', 0);
  db.close();
  assert.throws(() => SqliteStore.open({ path, clock: new ManualClock() }), (err: unknown) => err instanceof MandateError && err.code === 'invalid_config' && /newer/.test(err.message));
});
