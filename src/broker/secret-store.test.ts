import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { Envelope } from './envelope.js';
import { SecretStore } from './secret-store.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const admin = { actor: 'admin', requestId: 'req-1' };
const V1 = 'sk_live_first-value-0123456789abcdef';
const V2 = 'sk_live_second-value-fedcba9876543210';

async function open(master = randomBytes(32), path = join(dir, `s-${++n}.db`)) {
  const clock = new ManualClock();
  const store = SqliteStore.open({ path, clock });
  return {
    store,
    clock,
    path,
    master,
    secrets: new SecretStore(store, new Envelope(master), clock),
  };
}
const code = (c: string) => (err: unknown) => err instanceof MandateError && err.code === c;

describe('secret store', () => {
  test('put creates version 1, a second put rotates to version 2 and reveal gives the new value; metadata never holds a value', async () => {
    const { store, clock, secrets } = await open();
    const created = await secrets.put(
      'stripe',
      { value: V1, description: 'billing api', type: 'api_key' },
      admin,
    );
    assert.equal(created.created, true);
    assert.equal(created.secret.version, 1);
    assert.equal(created.secret.type, 'api_key');
    assert.deepEqual(await secrets.reveal('stripe'), {
      value: V1,
      ref: { id: 'stripe', version: 1 },
    });
    clock.advance(1000);
    const rotated = await secrets.put('stripe', { value: V2 }, { actor: 'ops', requestId: null });
    assert.equal(rotated.created, false);
    assert.equal(rotated.secret.version, 2);
    assert.equal(rotated.secret.description, 'billing api', 'a rotation keeps the description');
    assert.equal(rotated.secret.updatedBy, 'ops');
    assert.equal(rotated.secret.createdBy, 'admin');
    assert.deepEqual(
      rotated.secret.versions.map((v) => [v.version, v.createdBy]),
      [
        [1, 'admin'],
        [2, 'ops'],
      ],
    );
    assert.deepEqual(await secrets.reveal('stripe'), {
      value: V2,
      ref: { id: 'stripe', version: 2 },
    });
    assert.deepEqual(await secrets.current('stripe'), { id: 'stripe', version: 2 });
    const everything = JSON.stringify([
      created,
      rotated,
      await secrets.list(),
      await secrets.get('stripe'),
    ]);
    for (const v of [V1, V2]) assert.ok(!everything.includes(v), 'no value in metadata');
    const events = await store.read.audit.list();
    assert.deepEqual(
      events.map((e) => [e.action, e.target, e.details]),
      [
        ['secret.put', 'secret:stripe', { version: 1 }],
        ['secret.rotate', 'secret:stripe', { version: 2, previous: 1 }],
      ],
    );
    assert.equal(events[0]?.requestId, 'req-1');
    await store.close();
  });

  test('the database file holds neither value in plaintext', async () => {
    const { store, secrets, path } = await open();
    await secrets.put('a', { value: V1 }, admin);
    await secrets.put('a', { value: V2 }, admin);
    await store.close();
    const bytes = Buffer.concat([
      readFileSync(path),
      ...['-wal'].flatMap((s) => {
        try {
          return [readFileSync(path + s)];
        } catch {
          return [];
        }
      }),
    ]);
    for (const v of [V1, V2]) {
      assert.equal(bytes.indexOf(v), -1);
      assert.equal(bytes.indexOf(Buffer.from(v).toString('base64')), -1);
    }
  });

  test('disable makes reveal refuse until enable; delete destroys the versions and a new put continues the numbering', async () => {
    const { store, secrets } = await open();
    await secrets.put('gh', { value: V1 }, admin);
    await secrets.put('gh', { value: V2 }, admin);
    assert.equal((await secrets.disable('gh', admin)).status, 'disabled');
    await assert.rejects(
      secrets.reveal('gh'),
      (err: unknown) =>
        code('credential_unavailable')(err) &&
        (err as MandateError).details?.reason === 'secret_disabled',
    );
    await assert.rejects(secrets.current('gh'), code('credential_unavailable'));
    await secrets.put('gh', { value: V1 }, admin);
    assert.equal((await secrets.get('gh')).status, 'disabled', 'a rotation does not re-enable');
    assert.equal((await secrets.enable('gh', admin)).status, 'active');
    assert.equal((await secrets.reveal('gh')).ref.version, 3);
    await secrets.delete('gh', admin);
    assert.deepEqual(await store.read.secrets.listVersions('gh'), [], 'every version destroyed');
    await assert.rejects(secrets.get('gh'), code('not_found'));
    await assert.rejects(
      secrets.reveal('gh'),
      (err: unknown) =>
        code('credential_unavailable')(err) &&
        (err as MandateError).details?.reason === 'secret_not_found',
    );
    await assert.rejects(secrets.delete('gh', admin), code('not_found'));
    await assert.rejects(secrets.disable('gh', admin), code('not_found'));
    assert.deepEqual(await secrets.list(), []);
    const again = await secrets.put('gh', { value: V2 }, admin);
    assert.equal(again.created, true);
    assert.equal(again.secret.version, 4, 'versions are never reused');
    assert.deepEqual((await secrets.reveal('gh')).ref, { id: 'gh', version: 4 });
    assert.deepEqual(
      (await store.read.audit.list()).map((e) => [e.action, e.details]),
      [
        ['secret.put', { version: 1 }],
        ['secret.rotate', { version: 2, previous: 1 }],
        ['secret.disable', { version: 2, previous_status: 'active' }],
        ['secret.rotate', { version: 3, previous: 2 }],
        ['secret.enable', { version: 3, previous_status: 'disabled' }],
        ['secret.delete', { version: 3, versions_destroyed: 3 }],
        ['secret.put', { version: 4 }],
      ],
    );
    await store.close();
  });

  test('bad input is refused without changing anything or quoting the value', async () => {
    const { store, secrets } = await open();
    const huge = `x${'y'.repeat(70_000)}`;
    for (const [id, input] of [
      ['../etc', { value: V1 }],
      ['', { value: V1 }],
      ['a/b', { value: V1 }],
      ['ok', { value: '' }],
      ['ok', { value: huge }],
      ['ok', { value: V1, type: 'Not A Type' }],
      ['ok', { value: V1, description: 'd'.repeat(2000) }],
    ] as const) {
      await assert.rejects(
        secrets.put(id, input, admin),
        (err: unknown) =>
          code('invalid_request')(err) &&
          !(err as Error).message.includes(V1) &&
          !(err as Error).message.includes('yyyy'),
      );
    }
    assert.deepEqual(await store.read.secrets.list({ includeDeleted: true }), []);
    assert.deepEqual(await store.read.audit.list(), []);
    await store.close();
  });

  test('rows swapped in the database or a different master key make reveal fail closed', async () => {
    const { store, secrets, path, master } = await open();
    await secrets.put('one', { value: V1 }, admin);
    await secrets.put('two', { value: V2 }, admin);
    await store.close();
    const other = await open(randomBytes(32), path);
    await assert.rejects(
      other.secrets.reveal('one'),
      (err: unknown) =>
        code('credential_unavailable')(err) &&
        (err as MandateError).details?.reason === 'secret_undecryptable' &&
        !(err as Error).message.includes(V1),
    );
    await other.store.close();
    // Swap the two rows' ciphertexts and wrapped keys, as someone with write access to the file could.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path);
    const rows = db
      .prepare('SELECT secret_id, wrapped_key, ciphertext FROM secret_versions ORDER BY secret_id')
      .all() as { secret_id: string; wrapped_key: string; ciphertext: string }[];
    const update = db.prepare(
      'UPDATE secret_versions SET wrapped_key = ?, ciphertext = ? WHERE secret_id = ?',
    );
    update.run(rows[1]!.wrapped_key, rows[1]!.ciphertext, rows[0]!.secret_id);
    update.run(rows[0]!.wrapped_key, rows[0]!.ciphertext, rows[1]!.secret_id);
    db.close();
    const same = await open(master, path);
    await assert.rejects(same.secrets.reveal('one'), code('credential_unavailable'));
    await assert.rejects(same.secrets.reveal('two'), code('credential_unavailable'));
    await same.store.close();
  });

  test('concurrent rotations get consecutive versions', async () => {
    const { store, secrets } = await open();
    await secrets.put('k', { value: 'v0' }, admin);
    const results = await Promise.all(
      ['v1', 'v2', 'v3', 'v4'].map((value) => secrets.put('k', { value }, admin)),
    );
    assert.deepEqual(results.map((r) => r.secret.version).sort(), [2, 3, 4, 5]);
    assert.equal((await secrets.reveal('k')).ref.version, 5);
    await store.close();
  });
});
