import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GENESIS_HASH, hashAuditEvent } from '../../audit/chain.js';
import { audit, type WithStore } from './fixtures.js';

/** The contract of the audit log: one hash chain (audit/chain.ts) whatever the backend. Run by `storeConformance` for every dialect. */
export function auditConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: audit`, () => {
    test('audit: append chains events; list pages by seq and filters by time', () =>
      withStore(async (s) => {
        for (let i = 0; i < 5; i++)
          await s.transaction((tx) =>
            tx.audit.append({ ...audit, time: i * 10, details: { i, nested: { ok: true } } }),
          );
        const events = await s.read.audit.list();
        assert.deepEqual(
          events.map((e) => e.seq),
          [1, 2, 3, 4, 5],
        );
        assert.equal(events[0]?.prevHash, GENESIS_HASH);
        for (const [i, e] of events.entries()) {
          assert.equal(e.hash, hashAuditEvent(e));
          if (i > 0) assert.equal(e.prevHash, events[i - 1]?.hash);
        }
        assert.deepEqual(
          (await s.read.audit.list({ afterSeq: 2, limit: 2 })).map((e) => e.seq),
          [3, 4],
        );
        assert.deepEqual(
          (await s.read.audit.list({ sinceTime: 30 })).map((e) => e.seq),
          [4, 5],
        );
        assert.equal((await s.read.audit.head())?.seq, 5);
        await s.transaction((tx) =>
          tx.audit.addCheckpoint({ seq: 5, hash: events[4]!.hash, time: 60, signature: 'sig' }),
        );
        assert.deepEqual(await s.read.audit.checkpoints(), [
          { seq: 5, hash: events[4]!.hash, time: 60, signature: 'sig' },
        ]);
      }));
  });
}
