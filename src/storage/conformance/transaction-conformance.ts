import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agent, audit, type WithStore } from './fixtures.js';

/** The contract of `store.transaction` and the `read` side: atomic, one at a time, isolated; and meta. Run by `storeConformance` for every dialect. */
export function transactionConformance(dialect: string, withStore: WithStore): void {
  describe(`store conformance: ${dialect}: transactions, reads, meta`, () => {
    test('transactions: a throw rolls back every write, reads outside see only committed state', () =>
      withStore(async (s) => {
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.agents.insert(agent('a'));
            await tx.meta.set('k', 'v');
            await tx.audit.append(audit);
            assert.equal(
              await s.read.agents.get('a'),
              undefined,
              'uncommitted write invisible outside',
            );
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await s.read.agents.get('a'), undefined);
        assert.equal(await s.read.meta.get('k'), undefined);
        assert.equal(await s.read.audit.head(), undefined);
      }));
    test('transactions run one at a time, in order, even when their bodies await', () =>
      withStore(async (s) => {
        const order: string[] = [];
        await Promise.all(
          ['a', 'b', 'c'].map((n) =>
            s.transaction(async (tx) => {
              order.push(`start ${n}`);
              await new Promise((r) => setImmediate(r));
              await tx.audit.append({ ...audit, target: n });
              order.push(`end ${n}`);
            }),
          ),
        );
        assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
        assert.deepEqual(
          (await s.read.audit.list()).map((e) => [e.seq, e.target]),
          [
            [1, 'a'],
            [2, 'b'],
            [3, 'c'],
          ],
        );
      }));
    test('transactions: a transaction reads its own writes, deletes and updates before it commits', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.agents.insert(agent('gone'));
          await tx.issuers.upsert({
            issuer: 'https://old.example',
            jwksUri: 'https://old.example/jwks',
            jwks: null,
            audience: 'mandate',
            rules: [],
            createdAt: 1,
          });
        });
        await s.transaction(async (tx) => {
          await tx.agents.insert(agent('new'));
          await tx.agents.update({ ...agent('gone'), status: 'suspended', updatedAt: 2 });
          assert.equal(await tx.issuers.delete('https://old.example'), true);
          assert.equal((await tx.agents.get('new'))?.name, 'new');
          assert.deepEqual(
            (await tx.agents.list()).map((a) => [a.name, a.status]),
            [
              ['gone', 'suspended'],
              ['new', 'active'],
            ],
          );
          assert.deepEqual(await tx.issuers.list(), []);
          assert.deepEqual(
            (await s.read.agents.list()).map((a) => [a.name, a.status]),
            [['gone', 'active']],
            'the read side still sees the committed state',
          );
          assert.equal((await s.read.issuers.list()).length, 1);
        });
        assert.deepEqual(
          (await s.read.agents.list()).map((a) => [a.name, a.status]),
          [
            ['gone', 'suspended'],
            ['new', 'active'],
          ],
        );
        assert.deepEqual(await s.read.issuers.list(), []);
      }));
    test('reads: what a caller is handed or hands over is a copy; changing it changes nothing stored', () =>
      withStore(async (s) => {
        const given = agent('a', { labels: { team: 'a' }, allowedScopes: ['tool:x'] });
        await s.transaction((tx) => tx.agents.insert(given));
        given.labels.team = 'changed after insert';
        given.allowedScopes.push('tool:y');
        const read = await s.read.agents.get('a');
        assert.ok(read);
        read.labels.team = 'changed after read';
        read.limits.maxDelegationDepth = 99;
        await s.transaction(async (tx) => {
          const inside = await tx.agents.get('a');
          assert.ok(inside);
          inside.status = 'retired';
        });
        const event = await s.transaction((tx) =>
          tx.audit.append({ ...audit, details: { nested: { n: 1 } } }),
        );
        (event.details.nested as { n: number }).n = 2;
        assert.deepEqual(await s.read.agents.get('a'), agent('a', { allowedScopes: ['tool:x'] }));
        assert.deepEqual((await s.read.audit.head())?.details, { nested: { n: 1 } });
      }));
    test('references: a join token of an unknown agent, a token of an unknown task, a version of an unknown secret are refused', () =>
      withStore(async (s) => {
        await assert.rejects(
          s.transaction((tx) =>
            tx.joinTokens.insert({
              hash: 'h',
              agentName: 'nobody',
              createdAt: 0,
              expiresAt: 10,
              usedAt: null,
            }),
          ),
        );
        await assert.rejects(
          s.transaction((tx) =>
            tx.tokens.insert({
              jti: 'j',
              taskId: 'no-such-task',
              parentJti: null,
              ancestors: [],
              depth: 0,
              subject: 's',
              holder: 'h',
              clientId: 'c',
              scopes: [],
              audience: [],
              cnfJkt: null,
              issuedAt: 0,
              expiresAt: 10,
              revokedAt: null,
              revokedBy: null,
            }),
          ),
        );
        await assert.rejects(
          s.transaction((tx) =>
            tx.secrets.insertVersion({
              secretId: 'no-such-secret',
              version: 1,
              wrappedKey: 'w',
              ciphertext: 'c',
              createdAt: 0,
              createdBy: 'admin',
            }),
          ),
        );
        assert.equal(await s.read.joinTokens.get('h'), undefined);
        assert.equal(await s.read.tokens.get('j'), undefined);
        assert.deepEqual(await s.read.secrets.listVersions('no-such-secret'), []);
      }));
    test('meta: set overwrites', () =>
      withStore(async (s) => {
        await s.transaction((tx) => tx.meta.set('a', '1'));
        await s.transaction((tx) => tx.meta.set('a', '2'));
        assert.equal(await s.read.meta.get('a'), '2');
        await s.ping();
      }));
  });
}
