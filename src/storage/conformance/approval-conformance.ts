import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WithStore } from './fixtures.js';

/** The contract of per-call approvals. Run by `storeConformance` for every dialect. */
export function approvalConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: approvals`, () => {
    test('approvals: insert, find by binding and status, transition only from the expected status', () =>
      withStore(async (s) => {
        const a = {
          id: 'apr_1',
          agent: 'spiffe://td/agent/a',
          taskId: 't1',
          target: 'files/delete',
          argumentsDigest: 'd',
          policySetVersion: 'v1',
          decisionId: 'x',
          reasons: ['r'],
          audience: 'https://gw',
          status: 'pending' as const,
          createdAt: 1,
          expiresAt: 100,
          decidedAt: null,
          decidedBy: null,
          usedAt: null,
          note: null,
        };
        await s.transaction(async (tx) => {
          await tx.approvals.insert(a);
          await tx.approvals.insert({ ...a, id: 'apr_2', taskId: 't2', createdAt: 2 });
        });
        const binding = { agent: a.agent, taskId: 't1', target: a.target, argumentsDigest: 'd' };
        assert.deepEqual(await s.read.approvals.findBound(binding, 'pending'), [a]);
        assert.deepEqual(
          await s.read.approvals.findBound({ ...binding, argumentsDigest: 'e' }, 'pending'),
          [],
        );
        assert.equal(
          await s.transaction((tx) =>
            tx.approvals.transition('apr_1', 'pending', {
              status: 'approved',
              decidedAt: 5,
              decidedBy: 'alice',
            }),
          ),
          true,
        );
        assert.equal(
          await s.transaction((tx) =>
            tx.approvals.transition('apr_1', 'pending', { status: 'denied' }),
          ),
          false,
        );
        assert.equal(
          await s.transaction((tx) =>
            tx.approvals.transition('apr_1', 'approved', { status: 'used', usedAt: 6 }),
          ),
          true,
        );
        assert.deepEqual(await s.read.approvals.get('apr_1'), {
          ...a,
          status: 'used',
          decidedAt: 5,
          decidedBy: 'alice',
          usedAt: 6,
        });
        assert.deepEqual(
          (await s.read.approvals.list()).map((r) => r.id),
          ['apr_2', 'apr_1'],
        );
        assert.deepEqual(
          (await s.read.approvals.list({ status: 'pending' })).map((r) => r.id),
          ['apr_2'],
        );
      }));
  });
}
