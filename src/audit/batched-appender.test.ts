import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../core/clock.js';
import type { AuditEventRecord } from '../core/store/index.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { BatchedAuditAppender } from './batched-appender.js';
import { verifyAuditLog } from './verify.js';

describe('BatchedAuditAppender (group commit)', () => {
  let store: MemoryStore;
  before(() => {
    store = new MemoryStore({ clock: new ManualClock() });
  });
  after(async () => {
    await store.close();
  });

  const event = (i: number) => ({
    actor: 'spiffe://example.org/agent/a',
    action: 'decision' as const,
    target: `t/${i}`,
    outcome: 'success' as const,
    requestId: null,
    details: { i },
  });

  it('N concurrent appends become N events in a few transactions, each resolved as stored, and the chain verifies', async () => {
    const appender = new BatchedAuditAppender(store, { maxBatch: 256 });
    const n = 600;
    const records = await Promise.all(
      Array.from({ length: n }, (_, i) => appender.append(event(i))),
    );
    assert.equal(records.length, n);
    assert.deepEqual(
      records.map((r) => r.details.i),
      Array.from({ length: n }, (_, i) => i),
    );
    const { transactions, events } = appender.stats;
    assert.equal(events, n);
    assert.ok(transactions >= 3 && transactions <= 4, `${transactions} transactions`); // ceil(600 / 256) = 3
    const stored = await store.read.audit.list({ limit: 10_000 });
    assert.equal(stored.filter((e) => e.action === 'decision').length, n);
    const result = await verifyAuditLog(stored, [], [], 'example.org');
    assert.equal(result.ok, true, JSON.stringify(result).slice(0, 500));
  });

  it('appends made while a batch is being written go into the next one', async () => {
    const appender = new BatchedAuditAppender(store);
    const first = appender.append(event(1));
    const late: Promise<AuditEventRecord>[] = [];
    setImmediate(() => {
      for (let i = 0; i < 10; i++) late.push(appender.append(event(100 + i)));
    });
    await first;
    await new Promise((r) => setImmediate(r));
    await Promise.all(late);
    await appender.flush();
    assert.equal(appender.stats.events, 11);
    assert.ok(appender.stats.transactions <= 3);
  });

  it('a failed transaction rejects exactly its callers, and later appends still work', async () => {
    const failing = {
      ...store,
      transaction: () => Promise.reject(new Error('disk full')),
    } as unknown as MemoryStore;
    const appender = new BatchedAuditAppender(failing);
    await assert.rejects(
      Promise.all([appender.append(event(1)), appender.append(event(2))]),
      /disk full/,
    );
    const ok = new BatchedAuditAppender(store);
    assert.equal((await ok.append(event(3))).action, 'decision');
  });
});
