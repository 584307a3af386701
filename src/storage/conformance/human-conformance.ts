import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import type { GrantRequestRecord, HumanSessionRecord } from '../../core/store/index.js';
import type { WithStore } from './fixtures.js';

/** The contracts of agents' grant requests and humans' sessions. Run by `storeConformance` for every dialect. */
export function humanConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: grant requests and human sessions`, () => {
    test('grant requests: insert, list newest first with filters, transition only from the expected status', () =>
      withStore(async (s) => {
        const request = (
          id: string,
          over: Partial<GrantRequestRecord> = {},
        ): GrantRequestRecord => ({
          id,
          agent: 'spiffe://example.org/agent/a',
          human: 'alice@example.org',
          scopes: ['tool:mail/*'],
          purpose: 'p',
          durationSeconds: 3600,
          status: 'pending',
          createdAt: 1,
          expiresAt: 100,
          decidedAt: null,
          decidedBy: null,
          note: null,
          ...over,
        });
        await s.transaction(async (tx) => {
          await tx.grantRequests.insert(request('r1'));
          await tx.grantRequests.insert(request('r2', { human: 'bob@example.org', createdAt: 2 }));
          await tx.grantRequests.insert(
            request('r3', { agent: 'spiffe://example.org/agent/b', createdAt: 3 }),
          );
        });
        assert.deepEqual(await s.read.grantRequests.get('r1'), request('r1'));
        assert.equal(await s.read.grantRequests.get('missing'), undefined);
        assert.deepEqual(
          (await s.read.grantRequests.list()).map((r) => r.id),
          ['r3', 'r2', 'r1'],
        );
        assert.deepEqual(
          (await s.read.grantRequests.list({ human: 'alice@example.org' })).map((r) => r.id),
          ['r3', 'r1'],
        );
        assert.deepEqual(
          (
            await s.read.grantRequests.list({ agent: 'spiffe://example.org/agent/a', limit: 1 })
          ).map((r) => r.id),
          ['r2'],
        );
        assert.equal(
          await s.transaction((tx) =>
            tx.grantRequests.transition('r1', 'pending', {
              status: 'approved',
              decidedAt: 5,
              decidedBy: 'human:alice@example.org',
              note: 'ok',
            }),
          ),
          true,
        );
        assert.equal(
          await s.transaction((tx) =>
            tx.grantRequests.transition('r1', 'pending', {
              status: 'denied',
              decidedAt: 6,
              decidedBy: 'x',
            }),
          ),
          false,
          'no longer pending',
        );
        assert.deepEqual(
          await s.read.grantRequests.get('r1'),
          request('r1', {
            status: 'approved',
            decidedAt: 5,
            decidedBy: 'human:alice@example.org',
            note: 'ok',
          }),
        );
        assert.deepEqual(
          (await s.read.grantRequests.list({ status: 'pending' })).map((r) => r.id),
          ['r3', 'r2'],
        );
        await assert.rejects(
          s.transaction((tx) => tx.grantRequests.insert(request('r2'))),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
      }));
    test('human sessions: stored by hash, deleted once, expired ones swept', () =>
      withStore(async (s) => {
        const session = (idHash: string, expiresAt: number): HumanSessionRecord => ({
          idHash,
          human: 'alice@example.org',
          groups: ['approvers'],
          method: 'oidc',
          createdAt: 1,
          expiresAt,
        });
        await s.transaction(async (tx) => {
          await tx.humanSessions.insert(session('h1', 10));
          await tx.humanSessions.insert(session('h2', 20));
          await tx.humanSessions.insert({
            ...session('h3', 30),
            human: 'admin',
            groups: [],
            method: 'local',
          });
        });
        assert.deepEqual(await s.read.humanSessions.get('h1'), session('h1', 10));
        assert.equal((await s.read.humanSessions.get('h3'))?.method, 'local');
        assert.equal(
          await s.transaction((tx) => tx.humanSessions.deleteExpired(20)),
          2,
          'expiry is inclusive',
        );
        assert.equal(await s.read.humanSessions.get('h2'), undefined);
        assert.equal(await s.transaction((tx) => tx.humanSessions.delete('h3')), true);
        assert.equal(await s.transaction((tx) => tx.humanSessions.delete('h3')), false);
      }));
  });
}
