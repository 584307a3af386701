import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RevocationEventInput } from '../../core/store/index.js';
import type { WithStore } from './fixtures.js';

/** The contract of the revocation feed (docs/revocation.md). Run by `storeConformance` for every dialect. */
export function revocationConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: revocation events`, () => {
    test('revocation events: seq only grows (also past compaction), list pages in order, compaction keeps what still revokes', () =>
      withStore(async (s) => {
        const ev = (
          kind: RevocationEventInput['kind'],
          subject: string,
          expiresAt: number | null,
          over: Partial<RevocationEventInput> = {},
        ): RevocationEventInput => ({ kind, subject, at: 10, expiresAt, cause: 'test', ...over });
        assert.equal(await s.read.revocations.head(), 0);
        const first = await s.transaction(async (tx) => [
          await tx.revocations.append(ev('token', 'j1', 100)),
          await tx.revocations.append(
            ev('agent', 'spiffe://example.org/agent/a', null, { status: 'suspended' }),
          ),
          await tx.revocations.append(ev('task', 't1', 200)),
        ]);
        assert.deepEqual(
          first.map((e) => e.seq),
          [1, 2, 3].map((n) => first[0]!.seq + n - 1),
        );
        assert.ok(first.every((e, i) => i === 0 || e.seq > first[i - 1]!.seq));
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.revocations.append(ev('grant', 'rolled-back', 100));
            throw new Error('abort');
          }),
        );
        const resumed = await s.transaction((tx) =>
          tx.revocations.append(
            ev('agent', 'spiffe://example.org/agent/a', 50, { status: 'active', at: 20 }),
          ),
        );
        assert.ok(resumed.seq > first[2]!.seq);
        const all = await s.read.revocations.list();
        assert.deepEqual(
          all.map((e) => e.subject),
          ['j1', 'spiffe://example.org/agent/a', 't1', 'spiffe://example.org/agent/a'],
          'a rolled-back event is not in the feed',
        );
        assert.deepEqual(all[1], { ...first[1] });
        assert.equal(all[1]?.status, 'suspended');
        assert.equal(all[0]?.status, undefined);
        assert.deepEqual(
          (await s.read.revocations.list({ afterSeq: first[0]!.seq, limit: 2 })).map(
            (e) => e.subject,
          ),
          ['spiffe://example.org/agent/a', 't1'],
        );
        // At 60: the resume (expires 50) and, first, the suspension it superseded go; j1 and t1 still revoke.
        assert.equal(await s.transaction((tx) => tx.revocations.compact(60)), 2);
        assert.deepEqual(
          (await s.read.revocations.list()).map((e) => e.subject),
          ['j1', 't1'],
        );
        assert.equal(await s.transaction((tx) => tx.revocations.compact(150)), 1);
        assert.equal(await s.transaction((tx) => tx.revocations.compact(1_000)), 1);
        assert.deepEqual(await s.read.revocations.list(), []);
        assert.equal(await s.read.revocations.head(), resumed.seq, 'the head survives compaction');
        const next = await s.transaction((tx) => tx.revocations.append(ev('key', 'k', 5)));
        assert.ok(next.seq > resumed.seq, 'a seq is never reused');
      }));
  });
}
