import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.js';
import type { Store } from '../../core/store/index.js';
import { storeConformance } from '../conformance/store-conformance.js';
import { SqliteStore } from '../sqlite/sqlite-store.js';
import { MemoryStore } from './memory-store.js';

storeConformance('memory', async () => new MemoryStore({ clock: new ManualClock() }));

test('memory: the same appends give the same audit chain as SQLite, hash for hash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-memory-'));
  const stores: Store[] = [
    new MemoryStore({ clock: new ManualClock(1_000) }),
    SqliteStore.open({ path: join(dir, 'chain.db'), clock: new ManualClock(1_000) }),
  ];
  try {
    const chains = [];
    for (const s of stores) {
      for (let i = 0; i < 5; i++)
        await s.transaction(async (tx) => {
          await tx.audit.append({
            actor: 'admin',
            action: 'agent.register',
            target: `a${i}`,
            outcome: i === 3 ? 'failure' : 'success',
            requestId: i % 2 ? `req-${i}` : null,
            // Undefined members and non-JSON values are normalized alike before hashing.
            details: { i, nested: { list: [1, 'two', null], skip: undefined }, when: new Date(0) },
          });
        });
      chains.push(await s.read.audit.list());
    }
    assert.equal(chains[0]?.length, 5);
    assert.deepEqual(chains[0], chains[1]);
  } finally {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
