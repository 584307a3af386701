import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import type { PolicySetRecord } from '../../core/store/index.js';
import type { WithStore } from './fixtures.js';

/** The contracts of versioned policy sets and the tool catalog. Run by `storeConformance` for every dialect. */
export function policyConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: policy sets and tool servers`, () => {
    test('policy sets: insert, get, list in version order, one active at a time', () =>
      withStore(async (s) => {
        const set = (version: number): PolicySetRecord => ({
          version,
          files: [{ name: 'a.cedar', text: `permit(principal, action, resource); // ${version}` }],
          digest: `d${version}`,
          createdAt: version,
          createdBy: 'admin',
          activatedAt: null,
          status: 'inactive',
        });
        assert.equal(await s.read.policySets.active(), undefined);
        assert.equal(await s.read.policySets.latestVersion(), 0);
        await s.transaction(async (tx) => {
          await tx.policySets.insert(set(2));
          await tx.policySets.insert(set(1));
        });
        assert.deepEqual(await s.read.policySets.get(1), set(1));
        assert.deepEqual(
          (await s.read.policySets.list()).map((p) => p.version),
          [1, 2],
        );
        assert.equal(await s.read.policySets.latestVersion(), 2);
        await assert.rejects(
          s.transaction((tx) => tx.policySets.insert(set(1))),
          (err: unknown) => err instanceof MandateError && err.code === 'conflict',
        );
        assert.equal(await s.transaction((tx) => tx.policySets.setActive(1, 10)), true);
        assert.deepEqual(await s.read.policySets.active(), {
          ...set(1),
          status: 'active',
          activatedAt: 10,
        });
        assert.equal(await s.transaction((tx) => tx.policySets.setActive(2, 20)), true);
        assert.equal((await s.read.policySets.active())?.version, 2);
        assert.equal((await s.read.policySets.get(1))?.status, 'inactive');
        assert.equal(
          (await s.read.policySets.get(1))?.activatedAt,
          10,
          'activatedAt records the last activation',
        );
        assert.equal(await s.transaction((tx) => tx.policySets.setActive(9, 30)), false);
        assert.equal(
          (await s.read.policySets.active())?.version,
          2,
          'an unknown version changes nothing',
        );
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.policySets.setActive(1, 40);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(
          (await s.read.policySets.active())?.version,
          2,
          'a rolled-back switch leaves the previous set active',
        );
        assert.deepEqual(
          (await s.read.policySets.list())
            .filter((p) => p.status === 'active')
            .map((p) => p.version),
          [2],
        );
      }));
    test('tool servers: upsert replaces, list sorted by name, delete', () =>
      withStore(async (s) => {
        const server = (name: string, n: number) => ({
          server: name,
          tools: Array.from({ length: n }, (_, i) => ({
            name: `t${i}`,
            inputSchema: { type: 'object' },
          })),
          annotations: { t0: { sideEffect: 'read' } },
          updatedAt: n,
          updatedBy: 'gateway',
        });
        await s.transaction(async (tx) => {
          await tx.toolServers.upsert(server('mail', 1));
          await tx.toolServers.upsert(server('docs', 2));
        });
        await s.transaction((tx) => tx.toolServers.upsert(server('mail', 3)));
        assert.deepEqual(await s.read.toolServers.get('mail'), server('mail', 3));
        assert.deepEqual(
          (await s.read.toolServers.list()).map((r) => r.server),
          ['docs', 'mail'],
        );
        assert.equal(await s.transaction((tx) => tx.toolServers.delete('docs')), true);
        assert.equal(await s.transaction((tx) => tx.toolServers.delete('docs')), false);
        assert.equal(await s.read.toolServers.get('docs'), undefined);
      }));
  });
}
