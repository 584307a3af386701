import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import type { SignalRecord, Store } from '../../core/store/index.js';

/** The signals repository's contract (migration 11), run by `storeConformance` for every dialect. */
export function signalConformance(dialect: string, withStore: (fn: (s: Store) => Promise<void>) => Promise<void>): void {
  const signal = (id: string, at: number, expiresAt: number, over: Partial<SignalRecord> = {}): SignalRecord => ({ id, kind: 'llm_judge', source: 'judge', risk: 60, confidence: 0.4, reason: 'odd', task: 't1', agent: 'spiffe://example.org/agent/a', at, expiresAt, responses: ['require_approval'], key: null, ...over });

  describe(`store conformance: ${dialect}: signals`, () => {
    test('stored as given; the live ones listed oldest first; expired ones deleted; ids unique', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.signals.insert(signal('s2', 20, 100));
          await tx.signals.insert(signal('s1', 10, 50, { confidence: null, reason: null, task: null, responses: [], key: 'denial_streak' }));
          await tx.signals.insert(signal('s3', 30, 200, { agent: null }));
        });
        assert.deepEqual(await s.read.signals.listLive(0), [signal('s1', 10, 50, { confidence: null, reason: null, task: null, responses: [], key: 'denial_streak' }), signal('s2', 20, 100), signal('s3', 30, 200, { agent: null })]);
        assert.deepEqual((await s.read.signals.listLive(50)).map((x) => x.id), ['s2', 's3'], 'expiring at `now` is not live');
        await assert.rejects(s.transaction((tx) => tx.signals.insert(signal('s2', 40, 300))), (err: unknown) => err instanceof MandateError && err.code === 'conflict');
        assert.equal(await s.transaction((tx) => tx.signals.deleteExpired(100)), 2);
        assert.deepEqual((await s.read.signals.listLive(0)).map((x) => x.id), ['s3']);
      }));
  });
}
