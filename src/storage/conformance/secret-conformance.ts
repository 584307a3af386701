import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import type { SecretRecord } from '../../core/store/index.js';
import type { WithStore } from './fixtures.js';

/** The contract of brokered secrets and their versions. Run by `storeConformance` for every dialect. */
export function secretConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: secrets`, () => {
    test('secrets: upsert metadata, versions in order, a duplicate version is a conflict, delete destroys the versions', () =>
      withStore(async (s) => {
        const secret = (id: string, over: Partial<SecretRecord> = {}): SecretRecord => ({
          id,
          description: 'd',
          type: 'api_key',
          status: 'active',
          currentVersion: 1,
          createdAt: 1,
          createdBy: 'admin',
          updatedAt: 1,
          updatedBy: 'admin',
          ...over,
        });
        const version = (secretId: string, v: number) => ({
          secretId,
          version: v,
          wrappedKey: `wk${v}`,
          ciphertext: `ct${v}`,
          createdAt: v,
          createdBy: 'admin',
        });
        await s.transaction(async (tx) => {
          await tx.secrets.upsert(secret('b'));
          await tx.secrets.insertVersion(version('b', 1));
          await tx.secrets.upsert(secret('a'));
          await tx.secrets.insertVersion(version('a', 2));
          await tx.secrets.insertVersion(version('a', 1));
        });
        assert.deepEqual(await s.read.secrets.get('a'), secret('a'));
        assert.equal(await s.read.secrets.get('missing'), undefined);
        assert.deepEqual(
          (await s.read.secrets.list()).map((x) => x.id),
          ['a', 'b'],
        );
        assert.deepEqual(await s.read.secrets.getVersion('a', 2), version('a', 2));
        assert.equal(await s.read.secrets.getVersion('a', 3), undefined);
        assert.deepEqual(
          (await s.read.secrets.listVersions('a')).map((v) => v.version),
          [1, 2],
        );
        await assert.rejects(
          s.transaction((tx) => tx.secrets.insertVersion(version('a', 2))),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
        await s.transaction((tx) =>
          tx.secrets.upsert(
            secret('a', { currentVersion: 2, status: 'disabled', updatedAt: 5, updatedBy: 'ops' }),
          ),
        );
        assert.deepEqual(
          await s.read.secrets.get('a'),
          secret('a', { currentVersion: 2, status: 'disabled', updatedAt: 5, updatedBy: 'ops' }),
        );
        assert.equal(await s.transaction((tx) => tx.secrets.deleteVersions('a')), 2);
        await s.transaction((tx) =>
          tx.secrets.upsert(secret('a', { currentVersion: 2, status: 'deleted' })),
        );
        assert.deepEqual(await s.read.secrets.listVersions('a'), []);
        assert.deepEqual(
          await s.read.secrets.listVersions('b'),
          [version('b', 1)],
          "only that secret's versions are destroyed",
        );
        assert.deepEqual(
          (await s.read.secrets.list()).map((x) => x.id),
          ['b'],
          'deleted secrets are not listed by default',
        );
        assert.deepEqual(
          (await s.read.secrets.list({ includeDeleted: true })).map((x) => x.id),
          ['a', 'b'],
        );
      }));
  });
}
