import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WithStore } from './fixtures.js';

/** The contracts of tasks and their token trees, the replay cache, trust rules, grants and federated domains. Run by `storeConformance` for every dialect. */
export function taskConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: tasks, tokens, replay, trust rules, grants, federation`, () => {
    test('tasks and task tokens: revoking a token revokes exactly its subtree; a task revokes all', () =>
      withStore(async (s) => {
        const task = {
          id: 't1',
          agent: 'spiffe://example.org/agent/a',
          subject: 'spiffe://example.org/agent/a',
          purpose: 'p',
          scopes: ['tool:x'],
          authorizationDetails: [],
          audience: ['https://gw'],
          grantId: null,
          status: 'active' as const,
          createdAt: 0,
          expiresAt: 100,
          endedAt: null,
          endedBy: null,
          rootJti: 'r',
        };
        const tok = (jti: string, ancestors: string[]) => ({
          jti,
          taskId: 't1',
          parentJti: ancestors[ancestors.length - 1] ?? null,
          ancestors,
          depth: ancestors.length,
          subject: task.subject,
          holder: 'h',
          clientId: 'c',
          scopes: ['tool:x'],
          audience: ['https://gw'],
          cnfJkt: null,
          issuedAt: 0,
          expiresAt: 100,
          revokedAt: null,
          revokedBy: null,
        });
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task);
          // r ─ a ─ a1
          //   └ b
          for (const t of [tok('r', []), tok('a', ['r']), tok('a1', ['r', 'a']), tok('b', ['r'])])
            await tx.tokens.insert(t);
        });
        assert.deepEqual(await s.read.tasks.get('t1'), task);
        assert.deepEqual(
          (await s.read.tokens.listByTask('t1')).map((t) => t.jti),
          ['r', 'a', 'b', 'a1'],
        );
        assert.deepEqual(
          (await s.transaction((tx) => tx.tokens.revokeSubtree('a', 5, 'x'))).sort(),
          ['a', 'a1'],
        );
        assert.deepEqual(
          await s.transaction((tx) => tx.tokens.revokeSubtree('a', 6, 'x')),
          [],
          'already revoked',
        );
        assert.equal((await s.read.tokens.get('b'))?.revokedAt, null);
        assert.deepEqual((await s.read.tokens.listRevokedUnexpired(50)).map((t) => t.jti).sort(), [
          'a',
          'a1',
        ]);
        assert.deepEqual((await s.transaction((tx) => tx.tokens.revokeTask('t1', 7, 'x'))).sort(), [
          'b',
          'r',
        ]);
        assert.equal(await s.transaction((tx) => tx.tasks.finish('t1', 'ended', 8, 'admin')), true);
        assert.equal(
          await s.transaction((tx) => tx.tasks.finish('t1', 'expired', 9, 'system')),
          false,
        );
        assert.equal((await s.read.tasks.get('t1'))?.status, 'ended');
        assert.deepEqual(await s.read.tasks.list({ status: 'active' }), []);
      }));
    test('replay cache: a key is accepted once while live, again after it expires', () =>
      withStore(async (s) => {
        assert.equal(await s.transaction((tx) => tx.replay.checkAndRecord('k', 100, 0)), true);
        assert.equal(await s.transaction((tx) => tx.replay.checkAndRecord('k', 100, 50)), false);
        assert.equal(await s.transaction((tx) => tx.replay.checkAndRecord('k', 300, 100)), true);
        assert.equal(await s.transaction((tx) => tx.replay.deleteExpired(1000)), 1);
      }));
    test('trust rules, grants and federated domains round-trip', () =>
      withStore(async (s) => {
        const rule = {
          id: 'r1',
          from: 'spiffe://example.org/agent/*',
          to: 'spiffe://other.org/agent/x',
          maxDepth: 2,
          crossDomain: true,
          createdAt: 1,
        };
        const grant = {
          id: 'g1',
          human: 'alice@example.org',
          agent: 'spiffe://example.org/agent/a',
          scopes: ['tool:cal/*'],
          purpose: 'p',
          status: 'active' as const,
          createdAt: 1,
          expiresAt: 99,
          revokedAt: null,
        };
        const domain = {
          trustDomain: 'other.org',
          bundleEndpoint: 'https://other.org/bundle',
          bundle: { keys: [{ kty: 'EC' }], spiffe_sequence: 3 },
          refreshedAt: 1,
          createdAt: 1,
        };
        await s.transaction(async (tx) => {
          await tx.trustRules.insert(rule);
          await tx.grants.insert(grant);
          await tx.federation.upsert(domain);
        });
        assert.deepEqual(await s.read.trustRules.list(), [rule]);
        assert.deepEqual(await s.read.grants.get('g1'), grant);
        assert.deepEqual(
          (await s.read.grants.list({ agent: grant.agent })).map((g) => g.id),
          ['g1'],
        );
        await s.transaction((tx) =>
          tx.grants.update({ ...grant, status: 'revoked', revokedAt: 5 }),
        );
        assert.equal((await s.read.grants.get('g1'))?.status, 'revoked');
        assert.deepEqual(await s.read.federation.get('other.org'), domain);
        await s.transaction((tx) =>
          tx.federation.upsert({ ...domain, bundle: { keys: [] }, refreshedAt: 2 }),
        );
        assert.deepEqual((await s.read.federation.get('other.org'))?.bundle, { keys: [] });
        assert.equal(await s.transaction((tx) => tx.trustRules.delete('r1')), true);
        assert.equal(await s.transaction((tx) => tx.federation.delete('other.org')), true);
        assert.equal(await s.transaction((tx) => tx.federation.delete('other.org')), false);
      }));
  });
}
