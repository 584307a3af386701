import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrations } from './index.js';
import type { Migration } from './migration.js';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const FILE = /^(\d{4})-[a-z0-9]+(?:-[a-z0-9]+)*\.ts$/;

/**
 * What each released migration was when it shipped: its name (recorded in `schema_migrations`)
 * and the SHA-256 of its SQL, byte for byte. Data dirs in the field ran exactly this text; a
 * change to it would leave them on a schema no fresh install has. Add a row with each new one.
 */
const RELEASED: [version: number, name: string, sqlSha256: string][] = [
  [1, 'identity foundation', 'a75941ef224d5748446661a6c6f6d745b58d3c20d40ca292465e00c91a63e021'],
  [
    2,
    'tasks, task tokens, delegation, federation',
    'ff2e6d36a568b06b72887fcde4ad36f89285c317d1a667cf5d382aa28d6779fc',
  ],
  [3, 'policy sets', '283bc21919b0ec5962b3356d1d5bf1e570956371f1628a73a9f3b0a7c9a6f4b4'],
  [4, 'tool catalog', '66be0581e89afffc8afde909a0153875eeafd40ae9581d8e2446a711674bd82b'],
  [5, 'secrets', '54890011233fbeafd15f3e36edf63972ac030abe9b004179deec52a40832cc4b'],
  [6, 'approvals', '3e8cf24f00af1ea3834fd8394efd7a79e5b84d80c7c99244df2bd99c38ef00b0'],
  [7, 'revocation events', 'bf83ac9a55e207e83d8fe01eae8ad8dce5bf3134bd6e4ce7a9cf2f16bc19186a'],
  [
    8,
    'grant requests, human sessions',
    '26440086f6c0afb64818ba0e8f74a6ce7f8d0e396204177c42399ff2277d4080',
  ],
  [9, 'ssf streams', '868e44294acfabcbd18512ccc363913ea28b1fbffd852fb439128c5139b1f4ca'],
  [
    10,
    'ssf stream receiver tokens',
    '323c487f8eea5ddac8d2a1e0fab951d14fdc153f0305c7aad17803ddc0ef3618',
  ],
  [11, 'risk signals', '8110edf42d5c7094e1f1cfc8e0baced83e9c47aa54b4810a8ccef89c0a438853'],
  [12, 'task sessions', 'd5fcb659985517b1c00cf85f06cb6bfcc0a9de1cd7411012625374b59edb7924'],
  [13, 'retention indexes', '25139ebd63d53accb6c4bdc16380c75be3ac7ef156d3d164ddb019b19ca94a59'],
  [14, 'oauth clients', '711b910695a1a369bd9e6b3c0a9422318d29359a14a0d8fc5caecbe7db2ff523'],
];

test('migrations: the folder holds NNNN-<name>.ts numbered 1..N without gaps, each exporting its own version', async () => {
  const files = readdirSync(DIR)
    .filter((f) => /^\d/.test(f))
    .sort();
  assert.ok(files.length > 0);
  for (const [i, file] of files.entries()) {
    const m = FILE.exec(file);
    assert.ok(m, `\`${file}\` is not named NNNN-<name>.ts`);
    assert.equal(
      Number(m[1]),
      i + 1,
      `\`${file}\`: expected number ${i + 1} (no gaps, no repeats)`,
    );
    const { migration } = (await import(`./${file.replace(/\.ts$/, '.js')}`)) as {
      migration: Migration;
    };
    assert.equal(migration.version, i + 1, `\`${file}\` exports version ${migration.version}`);
    assert.equal(
      migrations.filter((x) => x === migration).length,
      1,
      `the index lists \`${file}\` exactly once`,
    );
  }
  assert.deepEqual(
    migrations.map((x) => x.version),
    files.map((_, i) => i + 1),
    'the index lists every file, in order, and nothing else',
  );
});

test('migrations: a released migration is never edited (name and SQL as shipped)', () => {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  assert.deepEqual(
    migrations.slice(0, RELEASED.length).map((m) => [m.version, m.name, sha256(m.sql)]),
    RELEASED,
  );
});
