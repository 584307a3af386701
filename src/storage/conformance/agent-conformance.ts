import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import { agent, audit, type WithStore } from './fixtures.js';

/** The contracts of the agent registry and join tokens. Run by `storeConformance` for every dialect. */
export function agentConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: agents and join tokens`, () => {
    test('agents: insert, get, by SPIFFE ID, list with filters, update', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.agents.insert(agent('b'));
          await tx.agents.insert(agent('a', { owner: 'bob', status: 'suspended' }));
        });
        assert.deepEqual(await s.read.agents.get('b'), agent('b'));
        assert.equal(
          (await s.read.agents.getBySpiffeId('spiffe://example.org/agent/a'))?.name,
          'a',
        );
        assert.deepEqual(
          (await s.read.agents.list()).map((a) => a.name),
          ['a', 'b'],
        );
        assert.deepEqual(
          (await s.read.agents.list({ status: 'active' })).map((a) => a.name),
          ['b'],
        );
        assert.deepEqual(
          (await s.read.agents.list({ owner: 'bob' })).map((a) => a.name),
          ['a'],
        );
        await s.transaction((tx) =>
          tx.agents.update({ ...agent('b'), status: 'retired', labels: { x: 'y' }, updatedAt: 2 }),
        );
        const b = await s.read.agents.get('b');
        assert.equal(b?.status, 'retired');
        assert.deepEqual(b?.labels, { x: 'y' });
        assert.equal(await s.read.agents.get('missing'), undefined);
      }));
    test('agents: a duplicate name or SPIFFE ID is a conflict and changes nothing', () =>
      withStore(async (s) => {
        await s.transaction((tx) => tx.agents.insert(agent('a')));
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.audit.append(audit);
            await tx.agents.insert(agent('a', { spiffeId: 'spiffe://example.org/agent/other' }));
          }),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
        await assert.rejects(
          s.transaction((tx) =>
            tx.agents.insert(agent('z', { spiffeId: 'spiffe://example.org/agent/a' })),
          ),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
        assert.equal(
          (await s.read.audit.list()).length,
          0,
          'the audit event of the failed transaction was rolled back',
        );
      }));
    test('join tokens: consume once, never when expired or unknown', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.agents.insert(agent('a'));
          await tx.joinTokens.insert({
            hash: 'h1',
            agentName: 'a',
            createdAt: 0,
            expiresAt: 1000,
            usedAt: null,
          });
          await tx.joinTokens.insert({
            hash: 'h2',
            agentName: 'a',
            createdAt: 0,
            expiresAt: 1000,
            usedAt: null,
          });
        });
        const results = await Promise.all(
          [1, 2, 3].map(() => s.transaction((tx) => tx.joinTokens.consume('h1', 500))),
        );
        assert.equal(results.filter(Boolean).length, 1, 'exactly one consumer wins');
        assert.equal((await s.read.joinTokens.get('h1'))?.usedAt, 500);
        assert.equal(
          await s.transaction((tx) => tx.joinTokens.consume('h2', 1000)),
          undefined,
          'expired at expiresAt',
        );
        assert.equal(await s.transaction((tx) => tx.joinTokens.consume('nope', 1)), undefined);
        assert.equal(await s.transaction((tx) => tx.joinTokens.deleteExpired(2000)), 2);
      }));
  });
}
