import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import type { SignalRecord, SsfStreamRecord, Store } from '../../core/store/index.js';

/** The contracts of the SSF streams (migrations 9, 10) and signals (migration 11) repositories, run by `storeConformance` for every dialect. */
export function feedConformance(
  dialect: string,
  withStore: (fn: (s: Store) => Promise<void>) => Promise<void>,
): void {
  const signal = (
    id: string,
    at: number,
    expiresAt: number,
    over: Partial<SignalRecord> = {},
  ): SignalRecord => ({
    id,
    kind: 'llm_judge',
    source: 'judge',
    risk: 60,
    confidence: 0.4,
    reason: 'odd',
    task: 't1',
    agent: 'spiffe://example.org/agent/a',
    at,
    expiresAt,
    responses: ['require_approval'],
    key: null,
    ...over,
  });

  describe(`store conformance: ${dialect}: ssf streams and signals`, () => {
    test('ssf streams: stored as given, listed oldest first, updated, deleted once', () =>
      withStore(async (s) => {
        const stream = (
          id: string,
          createdAt: number,
          over: Partial<SsfStreamRecord> = {},
        ): SsfStreamRecord => ({
          id,
          audience: ['https://rp.example.org'],
          eventsRequested: ['https://schemas.openid.net/secevent/caep/event-type/session-revoked'],
          delivery: {
            method: 'urn:ietf:rfc:8935',
            endpointUrl: 'https://rp.example.org/ssf',
            authorizationHeader: 'Bearer x',
          },
          description: null,
          status: 'enabled',
          statusReason: null,
          receiverTokenHash: `${'ab'.repeat(31)}${id.padStart(2, '0').slice(-2)}`,
          createdAt,
          updatedAt: createdAt,
          ...over,
        });
        await s.transaction(async (tx) => {
          await tx.ssfStreams.insert(stream('s2', 2));
          await tx.ssfStreams.insert(
            stream('s1', 1, {
              description: 'poll',
              delivery: {
                method: 'urn:ietf:rfc:8936',
                endpointUrl: 'https://m.example.org/ssf/poll/s1',
                authorizationHeader: null,
              },
            }),
          );
        });
        assert.deepEqual(
          await s.read.ssfStreams.get('s1'),
          stream('s1', 1, {
            description: 'poll',
            delivery: {
              method: 'urn:ietf:rfc:8936',
              endpointUrl: 'https://m.example.org/ssf/poll/s1',
              authorizationHeader: null,
            },
          }),
        );
        assert.deepEqual(
          (await s.read.ssfStreams.list()).map((x) => x.id),
          ['s1', 's2'],
        );
        await assert.rejects(
          s.transaction((tx) => tx.ssfStreams.insert(stream('s2', 3))),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
        await s.transaction((tx) =>
          tx.ssfStreams.update(
            stream('s2', 2, { status: 'paused', statusReason: 'maintenance', updatedAt: 9 }),
          ),
        );
        assert.deepEqual(
          await s.read.ssfStreams.get('s2'),
          stream('s2', 2, { status: 'paused', statusReason: 'maintenance', updatedAt: 9 }),
        );
        // A stream from before receiver tokens has none.
        await s.transaction((tx) =>
          tx.ssfStreams.insert(stream('s3', 3, { receiverTokenHash: null })),
        );
        assert.equal((await s.read.ssfStreams.get('s3'))?.receiverTokenHash, null);
        assert.equal(await s.transaction((tx) => tx.ssfStreams.delete('s2')), true);
        assert.equal(await s.transaction((tx) => tx.ssfStreams.delete('s2')), false);
        assert.equal(await s.read.ssfStreams.get('s2'), undefined);
      }));
    test('stored as given; the live ones listed oldest first; expired ones deleted; ids unique', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.signals.insert(signal('s2', 20, 100));
          await tx.signals.insert(
            signal('s1', 10, 50, {
              confidence: null,
              reason: null,
              task: null,
              responses: [],
              key: 'denial_streak',
            }),
          );
          await tx.signals.insert(signal('s3', 30, 200, { agent: null }));
        });
        assert.deepEqual(await s.read.signals.listRecent(10), [
          signal('s1', 10, 50, {
            confidence: null,
            reason: null,
            task: null,
            responses: [],
            key: 'denial_streak',
          }),
          signal('s2', 20, 100),
          signal('s3', 30, 200, { agent: null }),
        ]);
        assert.deepEqual(
          (await s.read.signals.listRecent(2)).map((x) => x.id),
          ['s2', 's3'],
          'the newest, oldest first',
        );
        await assert.rejects(
          s.transaction((tx) => tx.signals.insert(signal('s2', 40, 300))),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
        assert.equal(await s.transaction((tx) => tx.signals.deleteExpired(100)), 2);
        assert.deepEqual(
          (await s.read.signals.listRecent(10)).map((x) => x.id),
          ['s3'],
        );
      }));
    test('listForRestore: one per subject, risk and responses (the latest expiry); live and in force first, whatever came after', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.signals.insert(
            signal('old-restriction', 1, 10_000, {
              risk: 75,
              agent: 'spiffe://example.org/agent/r',
              task: null,
            }),
          );
          for (let i = 0; i < 20; i++)
            await tx.signals.insert(
              signal(`noise-${i}`, 100 + i, 500 + i, {
                risk: 0,
                responses: [],
                agent: 'spiffe://example.org/agent/r',
                task: null,
              }),
            );
          await tx.signals.insert(signal('weaker', 200, 9_000, { risk: 30, responses: [] }));
          await tx.signals.insert(signal('expired', 300, 50, { risk: 90 }));
        });
        assert.deepEqual(
          (await s.read.signals.listForRestore(100, 2)).map((x) => x.id),
          ['old-restriction', 'weaker'],
          'in force first, oldest first',
        );
        const all = await s.read.signals.listForRestore(100, 10);
        assert.deepEqual(
          all.map((x) => x.id),
          ['old-restriction', 'noise-19', 'weaker', 'expired'],
          'repeats give the one that expires last',
        );
        assert.deepEqual(
          all[0],
          signal('old-restriction', 1, 10_000, {
            risk: 75,
            agent: 'spiffe://example.org/agent/r',
            task: null,
          }),
        );
      }));
  });
}
