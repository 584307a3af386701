import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GENESIS_HASH, hashAuditEvent } from '../../audit/chain.js';
import { MandateError } from '../../core/errors.js';
import type { RevocationEventInput } from '../../core/store/index.js';
import { feedConformance } from './feed-conformance.js';
import { retentionConformance } from './retention-conformance.js';
import { sessionConformance } from './session-conformance.js';
import type {
  AgentRecord,
  GrantRequestRecord,
  HumanSessionRecord,
  PolicySetRecord,
  SecretRecord,
  SigningKeyRecord,
  Store,
  TrustedIssuerRecord,
} from '../../core/store/index.js';

/**
 * The behaviour every Store implementation must show. Each dialect's test file calls this
 * with a factory that opens a fresh, empty store.
 */
export function storeConformance(dialect: string, open: () => Promise<Store>): void {
  const agent = (name: string, over: Partial<AgentRecord> = {}): AgentRecord => ({
    name,
    spiffeId: `spiffe://example.org/agent/${name}`,
    owner: 'alice',
    purpose: 'test',
    labels: { team: 'a' },
    status: 'active',
    limits: { maxTaskTtlSeconds: 600, maxDelegationDepth: 2 },
    allowedScopes: ['tool:github/*'],
    requireDpop: false,
    createdAt: 1,
    updatedAt: 1,
    ...over,
  });
  const audit = {
    actor: 'test',
    action: 'test.write',
    target: 't',
    outcome: 'success' as const,
    requestId: null,
  };

  async function withStore(fn: (s: Store) => Promise<void>): Promise<void> {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  }

  describe(`store conformance: ${dialect}`, () => {
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

    test('keys, CAs and credentials round-trip; lastExpiry is per signer', () =>
      withStore(async (s) => {
        const key: SigningKeyRecord = {
          kid: 'k1',
          purpose: 'token',
          alg: 'ES256',
          state: 'next',
          publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
          sealedPrivateKey: 'v1.a.b.c',
          createdAt: 1,
          activatedAt: null,
          retiredAt: null,
          publishUntil: null,
        };
        await s.transaction(async (tx) => {
          await tx.keys.insert(key);
          await tx.keys.insert({ ...key, kid: 'k2', purpose: 'jwt-svid', createdAt: 2 });
          await tx.cas.insert({
            id: 'ca1',
            certPem: 'C',
            chainPems: ['I'],
            rootPems: ['R'],
            sealedPrivateKey: 's',
            notBefore: 0,
            notAfter: 10,
            state: 'active',
            createdAt: 0,
          });
          await tx.credentials.insert({
            id: 'c1',
            kind: 'jwt-svid',
            subject: 'spiffe://example.org/agent/a',
            audience: ['x'],
            signer: 'k1',
            issuedAt: 0,
            expiresAt: 100,
          });
          await tx.credentials.insert({
            id: 'c2',
            kind: 'jwt-svid',
            subject: 'spiffe://example.org/agent/a',
            audience: ['x'],
            signer: 'k1',
            issuedAt: 0,
            expiresAt: 300,
          });
          await tx.credentials.insert({
            id: 'c3',
            kind: 'x509-svid',
            subject: 'spiffe://example.org/agent/a',
            audience: [],
            signer: 'ca1',
            issuedAt: 0,
            expiresAt: 50,
          });
        });
        assert.deepEqual(await s.read.keys.get('k1'), key);
        assert.deepEqual(
          (await s.read.keys.list('jwt-svid')).map((k) => k.kid),
          ['k2'],
        );
        await s.transaction((tx) =>
          tx.keys.update({ ...key, state: 'retired', retiredAt: 5, publishUntil: 9 }),
        );
        assert.equal((await s.read.keys.get('k1'))?.publishUntil, 9);
        assert.deepEqual((await s.read.cas.list())[0]?.chainPems, ['I']);
        assert.equal(await s.read.credentials.lastExpiry('k1'), 300);
        assert.equal(await s.read.credentials.lastExpiry('nobody'), undefined);
        assert.equal(await s.read.credentials.count('jwt-svid'), 2);
        assert.equal(await s.read.credentials.count(), 3);
      }));

    test('trusted issuers: upsert replaces, delete reports whether it removed', () =>
      withStore(async (s) => {
        const issuer: TrustedIssuerRecord = {
          issuer: 'https://issuer.example',
          jwksUri: 'https://issuer.example/jwks',
          jwks: null,
          audience: 'mandate',
          rules: [{ match: { 'kubernetes.io.namespace': 'prod' }, agent: 'a' }],
          createdAt: 1,
        };
        await s.transaction((tx) => tx.issuers.upsert(issuer));
        await s.transaction((tx) =>
          tx.issuers.upsert({ ...issuer, jwksUri: null, jwks: { keys: [{ kty: 'EC' }] } }),
        );
        const got = await s.read.issuers.get(issuer.issuer);
        assert.equal(got?.jwksUri, null);
        assert.deepEqual(got?.jwks, { keys: [{ kty: 'EC' }] });
        assert.equal((await s.read.issuers.list()).length, 1);
        assert.equal(await s.transaction((tx) => tx.issuers.delete(issuer.issuer)), true);
        assert.equal(await s.transaction((tx) => tx.issuers.delete(issuer.issuer)), false);
      }));

    test('audit: append chains events; list pages by seq and filters by time', () =>
      withStore(async (s) => {
        for (let i = 0; i < 5; i++)
          await s.transaction((tx) =>
            tx.audit.append({ ...audit, time: i * 10, details: { i, nested: { ok: true } } }),
          );
        const events = await s.read.audit.list();
        assert.deepEqual(
          events.map((e) => e.seq),
          [1, 2, 3, 4, 5],
        );
        assert.equal(events[0]?.prevHash, GENESIS_HASH);
        for (const [i, e] of events.entries()) {
          assert.equal(e.hash, hashAuditEvent(e));
          if (i > 0) assert.equal(e.prevHash, events[i - 1]?.hash);
        }
        assert.deepEqual(
          (await s.read.audit.list({ afterSeq: 2, limit: 2 })).map((e) => e.seq),
          [3, 4],
        );
        assert.deepEqual(
          (await s.read.audit.list({ sinceTime: 30 })).map((e) => e.seq),
          [4, 5],
        );
        assert.equal((await s.read.audit.head())?.seq, 5);
        await s.transaction((tx) =>
          tx.audit.addCheckpoint({ seq: 5, hash: events[4]!.hash, time: 60, signature: 'sig' }),
        );
        assert.deepEqual(await s.read.audit.checkpoints(), [
          { seq: 5, hash: events[4]!.hash, time: 60, signature: 'sig' },
        ]);
      }));

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

    test('meta: set overwrites', () =>
      withStore(async (s) => {
        await s.transaction((tx) => tx.meta.set('a', '1'));
        await s.transaction((tx) => tx.meta.set('a', '2'));
        assert.equal(await s.read.meta.get('a'), '2');
        await s.ping();
      }));

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
  feedConformance(dialect, withStore);
  sessionConformance(dialect, withStore);
  retentionConformance(dialect, withStore);
}
