import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { HumanSessions } from './sessions.js';

const ctx = { actor: 'anonymous', requestId: 'req-1' };

describe('human sessions over a real SQLite store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-sessions-'));
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let store: SqliteStore;
  let sessions: HumanSessions;
  before(() => {
    store = SqliteStore.open({ path: join(dir, 'm.db'), clock });
    sessions = new HumanSessions(store, clock, { ttlSeconds: 3600 });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a session resolves to its human until it expires', async () => {
    const s = await sessions.start(
      { id: 'alice@example.org', groups: ['security'], method: 'oidc' },
      ctx,
    );
    assert.match(s.id, /^mhs_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await sessions.resolve(s.id), {
      id: 'alice@example.org',
      groups: ['security'],
      admin: false,
      method: 'oidc',
    });
    clock.advance(3599_999);
    assert.ok(await sessions.resolve(s.id));
    clock.advance(1);
    assert.equal(await sessions.resolve(s.id), undefined, 'expired at exactly its expiry');
  });

  test('a tampered, truncated or made-up id resolves to no one', async () => {
    const s = await sessions.start({ id: 'bob@example.org', groups: [], method: 'oidc' }, ctx);
    const last = s.id.at(-1) === 'A' ? 'B' : 'A';
    for (const forged of [
      `${s.id.slice(0, -1)}${last}`,
      s.id.slice(0, -1),
      `${s.id}A`,
      `mhs_${'A'.repeat(43)}`,
      s.id.replace('mhs_', 'mhx_'),
      '',
      'admin',
    ]) {
      assert.equal(await sessions.resolve(forged), undefined, forged);
    }
    assert.ok(await sessions.resolve(s.id));
  });

  test('only a hash of the id is stored: the database file does not contain it', async () => {
    const s = await sessions.start({ id: 'carol@example.org', groups: [], method: 'oidc' }, ctx);
    await store.close();
    const bytes = [join(dir, 'm.db'), join(dir, 'm.db-wal')]
      .map((p) => {
        try {
          return readFileSync(p).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
    assert.ok(!bytes.includes(s.id.slice(4)), 'the session id is nowhere in the database files');
    store = SqliteStore.open({ path: join(dir, 'm.db'), clock });
    sessions = new HumanSessions(store, clock, { ttlSeconds: 3600 });
    assert.ok(await sessions.resolve(s.id), 'it still resolves after a restart');
  });

  test('sign-out deletes it; the local admin session is the admin; sign-in and sign-out are audited without the id', async () => {
    const s = await sessions.start({ id: 'admin', groups: [], method: 'local' }, ctx);
    assert.deepEqual(await sessions.resolve(s.id), {
      id: 'admin',
      groups: [],
      admin: true,
      method: 'local',
    });
    assert.equal(await sessions.end(s.id, ctx), true);
    assert.equal(await sessions.end(s.id, ctx), false);
    assert.equal(await sessions.resolve(s.id), undefined);
    const events = await store.read.audit.list();
    const signIns = events.filter((e) => e.action === 'human.sign_in');
    assert.deepEqual(
      signIns.map((e) => e.actor),
      ['human:alice@example.org', 'human:bob@example.org', 'human:carol@example.org', 'admin'],
    );
    assert.equal(events.filter((e) => e.action === 'human.sign_out').length, 1);
    assert.ok(!JSON.stringify(events).includes(s.id.slice(4)), 'no session id in the audit log');
  });
});
