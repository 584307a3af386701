import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { CHECKPOINT_TYP, type CheckpointPayload } from '../../audit/checkpoint.js';
import { verifyAuditLog } from '../../audit/verify.js';
import { PRUNABLE_KINDS } from '../../core/store/index.js';
import type {
  AuditEventRecord,
  PrunableKind,
  Store,
  StoreTx,
  TaskRecord,
  TaskSessionRecord,
  TaskTokenRecord,
} from '../../core/store/index.js';

type WithStore = (fn: (s: Store) => Promise<void>) => Promise<void>;

/** How one prunable kind is written and observed through the port, so every kind runs the same cases. */
interface KindFixture {
  /** What the records hang off (an agent for join tokens, a task for tokens). */
  prepare?(tx: StoreTx): Promise<void>;
  /** Writes a record of the kind that is over (expired, ended, used or decided) at `overAt`, and live before. */
  seed(tx: StoreTx, id: string, overAt: number): Promise<void>;
  /** Whether the record is still stored. */
  has(s: Store, id: string): Promise<boolean>;
}

const AGENT = 'spiffe://example.org/agent/a';
const task = (id: string, over: Partial<TaskRecord> = {}): TaskRecord => ({
  id,
  agent: AGENT,
  subject: AGENT,
  purpose: 'p',
  scopes: ['tool:x'],
  authorizationDetails: [],
  audience: ['https://gw.example.org'],
  grantId: null,
  status: 'active',
  createdAt: 0,
  expiresAt: 1_000,
  endedAt: null,
  endedBy: null,
  rootJti: `root-${id}`,
  ...over,
});
const ended = (id: string, expiresAt: number): TaskRecord =>
  task(id, { status: 'ended', expiresAt, endedAt: 1, endedBy: 'test' });
/** A token in a delegation tree: `ancestors` root first, as the token exchange writes it. */
const token = (
  jti: string,
  taskId: string,
  expiresAt: number,
  ancestors: string[] = [],
): TaskTokenRecord => ({
  jti,
  taskId,
  parentJti: ancestors[ancestors.length - 1] ?? null,
  ancestors,
  depth: ancestors.length,
  subject: AGENT,
  holder: AGENT,
  clientId: AGENT,
  scopes: ['tool:x'],
  audience: ['https://gw.example.org'],
  cnfJkt: null,
  issuedAt: 0,
  expiresAt,
  revokedAt: null,
  revokedBy: null,
});
const session = (taskId: string): TaskSessionRecord => ({
  taskId,
  highestClassification: 'confidential',
  toolsCalled: ['docs/read'],
  recentTools: ['docs/read'],
  externalDestinations: [],
  firstExternalAt: null,
  denials: 0,
  denialStreak: 0,
  approvalsRequired: 0,
  callCount: 1,
  callsInWindow: [1],
  lastAt: 1,
  updatedAt: 1,
});
const approval = (
  id: string,
  expiresAt: number,
  over: {
    status?: 'pending' | 'approved' | 'denied' | 'used' | 'expired';
    decidedAt?: number | null;
    usedAt?: number | null;
  } = {},
) => ({
  id,
  agent: AGENT,
  taskId: 't',
  target: 'files/delete',
  argumentsDigest: 'd',
  policySetVersion: 'v1',
  decisionId: 'x',
  reasons: ['r'],
  audience: 'https://gw.example.org',
  status: over.status ?? 'expired',
  createdAt: 0,
  expiresAt,
  decidedAt: over.decidedAt ?? null,
  decidedBy: over.decidedAt ? 'alice' : null,
  usedAt: over.usedAt ?? null,
  note: null,
});
const grantRequest = (id: string, expiresAt: number, decidedAt: number | null = null) => ({
  id,
  agent: AGENT,
  human: 'alice@example.org',
  scopes: ['tool:mail/*'],
  purpose: 'p',
  durationSeconds: 3600,
  status: decidedAt === null ? ('expired' as const) : ('denied' as const),
  createdAt: 0,
  expiresAt,
  decidedAt,
  decidedBy: decidedAt === null ? null : 'alice',
  note: null,
});

const FIXTURES: Record<PrunableKind, KindFixture> = {
  task_tokens: {
    prepare: (tx) => tx.tasks.insert(task('tk', { expiresAt: 10_000 })),
    seed: (tx, id, overAt) => tx.tokens.insert(token(id, 'tk', overAt)),
    has: async (s, id) => (await s.read.tokens.get(id)) !== undefined,
  },
  // An ended task with no token left: over at its expiry (docs/operations.md), not when it ended.
  tasks: {
    seed: (tx, id, overAt) => tx.tasks.insert(ended(id, overAt)),
    has: async (s, id) => (await s.read.tasks.get(id)) !== undefined,
  },
  credentials: {
    // Credentials have no reader by id: each gets its own signer, observed through lastExpiry.
    seed: (tx, id, overAt) =>
      tx.credentials.insert({
        id,
        kind: 'jwt-svid',
        subject: AGENT,
        audience: ['x'],
        signer: `signer-${id}`,
        issuedAt: 0,
        expiresAt: overAt,
      }),
    has: async (s, id) => (await s.read.credentials.lastExpiry(`signer-${id}`)) !== undefined,
  },
  join_tokens: {
    prepare: (tx) =>
      tx.agents.insert({
        name: 'a',
        spiffeId: AGENT,
        owner: 'alice',
        purpose: 'test',
        labels: {},
        status: 'active',
        limits: { maxTaskTtlSeconds: 600, maxDelegationDepth: 2 },
        allowedScopes: [],
        requireDpop: false,
        createdAt: 0,
        updatedAt: 0,
      }),
    seed: (tx, id, overAt) =>
      tx.joinTokens.insert({
        hash: id,
        agentName: 'a',
        createdAt: 0,
        expiresAt: overAt,
        usedAt: null,
      }),
    has: async (s, id) => (await s.read.joinTokens.get(id)) !== undefined,
  },
  approvals: {
    seed: (tx, id, overAt) => tx.approvals.insert(approval(id, overAt)),
    has: async (s, id) => (await s.read.approvals.get(id)) !== undefined,
  },
  grant_requests: {
    seed: (tx, id, overAt) => tx.grantRequests.insert(grantRequest(id, overAt)),
    has: async (s, id) => (await s.read.grantRequests.get(id)) !== undefined,
  },
  grants: {
    seed: (tx, id, overAt) =>
      tx.grants.insert({
        id,
        human: 'alice@example.org',
        agent: AGENT,
        scopes: ['tool:cal/*'],
        purpose: 'p',
        status: 'active',
        createdAt: 0,
        expiresAt: overAt,
        revokedAt: null,
      }),
    has: async (s, id) => (await s.read.grants.get(id)) !== undefined,
  },
  human_sessions: {
    seed: (tx, id, overAt) =>
      tx.humanSessions.insert({
        idHash: id,
        human: 'alice@example.org',
        groups: [],
        method: 'oidc',
        createdAt: 0,
        expiresAt: overAt,
      }),
    has: async (s, id) => (await s.read.humanSessions.get(id)) !== undefined,
  },
  replay: {
    seed: async (tx, id, overAt) => void (await tx.replay.checkAndRecord(id, overAt, 0)),
    // The cache has no reader: at time 0 every seeded key is live, so a stored one is a replay.
    // A key found missing is recorded by the probe, so each key is probed once, at the end.
    has: (s, id) => s.transaction(async (tx) => !(await tx.replay.checkAndRecord(id, 1, 0))),
  },
  signals: {
    seed: (tx, id, overAt) =>
      tx.signals.insert({
        id,
        kind: 'llm_judge',
        source: 'judge',
        risk: 60,
        confidence: null,
        reason: null,
        task: null,
        agent: AGENT,
        at: 0,
        expiresAt: overAt,
        responses: [],
        key: null,
      }),
    has: async (s, id) => (await s.read.signals.listRecent(1_000)).some((x) => x.id === id),
  },
};

/**
 * The contract of retention (`StoreTx.retention`, docs/operations.md), run by `storeConformance`
 * for every dialect: what goes, what stays whatever the cutoff, the bound of one call, and that
 * what remains (delegation trees, the audit chain) still holds.
 */
export function retentionConformance(dialect: string, withStore: WithStore): void {
  const prune = (s: Store, kind: PrunableKind, before: number, limit = 1_000) =>
    s.transaction((tx) => tx.retention.prune(kind, before, limit));

  describe(`store conformance: ${dialect}: retention`, () => {
    for (const kind of PRUNABLE_KINDS) {
      const f = FIXTURES[kind];
      test(`${kind}: over before the cutoff is deleted; over at or after it is kept`, () =>
        withStore(async (s) => {
          await s.transaction(async (tx) => {
            await f.prepare?.(tx);
            for (const [id, overAt] of [
              ['old', 100],
              ['just-before', 199],
              ['at', 200],
              ['after', 300],
            ] as const)
              await f.seed(tx, id, overAt);
          });
          assert.equal(await prune(s, kind, 200), 2);
          assert.equal(await prune(s, kind, 200), 0, 'nothing more to do');
          for (const [id, kept] of [
            ['old', false],
            ['just-before', false],
            ['at', true],
            ['after', true],
          ] as const)
            assert.equal(await f.has(s, id), kept, `${kind} \`${id}\``);
        }));

      test(`${kind}: each call deletes at most \`limit\`; repeated calls finish the job`, () =>
        withStore(async (s) => {
          await s.transaction(async (tx) => {
            await f.prepare?.(tx);
            for (let i = 0; i < 5; i++) await f.seed(tx, `old-${i}`, 100 + i);
            await f.seed(tx, 'live', 500);
          });
          const counts: number[] = [];
          for (let n = -1; n !== 0;) counts.push((n = await prune(s, kind, 200, 2)));
          // A call returns less than `limit` only when nothing is left: retention stops draining there.
          assert.deepEqual(counts, [2, 2, 1, 0]);
          for (let i = 0; i < 5; i++)
            assert.equal(await f.has(s, `old-${i}`), false, `${kind} \`old-${i}\``);
          assert.equal(await f.has(s, 'live'), true);
        }));
    }

    test('task_tokens: a token goes with its delegation edges; the tree of what remains still revokes as one', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('t1', { expiresAt: 300 }));
          // Expiry only narrows down a tree. r(300) ─ a(300) ─ a1(100)
          //                                               └ a2(250) ─ a21(150)
          //                                      └ b(50) ─ b1(40)
          for (const t of [
            token('r', 't1', 300),
            token('a', 't1', 300, ['r']),
            token('a1', 't1', 100, ['r', 'a']),
            token('a2', 't1', 250, ['r', 'a']),
            token('a21', 't1', 150, ['r', 'a', 'a2']),
            token('b', 't1', 50, ['r']),
            token('b1', 't1', 40, ['r', 'b']),
          ])
            await tx.tokens.insert(t);
        });
        // A descendant revoked before the run stays revoked once its expired siblings are gone.
        assert.deepEqual(
          (await s.transaction((tx) => tx.tokens.revokeSubtree('a2', 10, 'test'))).sort(),
          ['a2', 'a21'],
        );
        let deleted = 0;
        for (let n = -1; n !== 0; deleted += n) n = await prune(s, 'task_tokens', 200, 1);
        assert.equal(deleted, 4);
        assert.deepEqual((await s.read.tokens.listByTask('t1')).map((t) => t.jti).sort(), [
          'a',
          'a2',
          'r',
        ]);
        assert.deepEqual(
          (await s.read.tokens.listRevokedUnexpired(200)).map((t) => t.jti),
          ['a2'],
          'the kept descendant is still revoked',
        );
        // The deleted tokens' edges went with them. A jti is never reused in practice; reusing one
        // here, as unrelated roots, is the only way the port shows a left-over edge: a revocation
        // would reach a newcomer through it.
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('t2', { expiresAt: 1_000 }));
          for (const jti of ['a1', 'a21', 'b', 'b1'])
            await tx.tokens.insert(token(jti, 't2', 1_000));
        });
        assert.deepEqual(
          (await s.transaction((tx) => tx.tokens.revokeSubtree('r', 20, 'test'))).sort(),
          ['a', 'r'],
          'the kept tree revokes as one; edges to deleted descendants went with them',
        );
        assert.deepEqual(
          await s.transaction((tx) => tx.tokens.revokeSubtree('b', 20, 'test')),
          ['b'],
          'edges from a deleted ancestor went with it',
        );
      }));

    test("task_tokens: both directions of a deleted token's edges go at once, even when a run stops between parent and child", () =>
      withStore(async (s) => {
        // Equal expiries (a child's exp is often its parent's): either may go first.
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('t1', { expiresAt: 50 }));
          await tx.tokens.insert(token('p', 't1', 50));
          await tx.tokens.insert(token('c', 't1', 50, ['p']));
        });
        assert.equal(await prune(s, 'task_tokens', 200, 1), 1);
        const gone = (await s.read.tokens.get('p')) === undefined ? 'p' : 'c';
        assert.ok(await s.read.tokens.get(gone === 'p' ? 'c' : 'p'), 'one call, one token');
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('t2', { expiresAt: 1_000 }));
          await tx.tokens.insert(token(gone, 't2', 1_000));
        });
        assert.deepEqual(
          await s.transaction((tx) => tx.tokens.revokeSubtree('p', 20, 'test')),
          ['p'],
          'no edge joins the newcomer to the token left',
        );
      }));

    test('tasks: a task goes only when none of its tokens is left, and its session goes with it', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('t1', { expiresAt: 100 }));
          await tx.tokens.insert(token('r1', 't1', 100));
          await tx.tokens.insert(token('c1', 't1', 300, ['r1']));
        });
        assert.equal(await s.transaction((tx) => tx.taskSessions.upsert(session('t1'))), true);
        await s.transaction((tx) => tx.tasks.finish('t1', 'ended', 50, 'test'));
        assert.equal(await prune(s, 'tasks', 200), 0, 'its tokens are still there');
        assert.equal(await prune(s, 'task_tokens', 200), 1);
        assert.equal(
          await prune(s, 'tasks', 200),
          0,
          'one token is left (expiring at or after the cutoff)',
        );
        assert.ok(await s.read.tasks.get('t1'));
        assert.deepEqual(await s.read.taskSessions.get('t1'), session('t1'));
        assert.equal(await prune(s, 'task_tokens', 400), 1);
        assert.equal(await prune(s, 'tasks', 400), 1);
        assert.equal(await s.read.tasks.get('t1'), undefined);
        assert.equal(
          await s.read.taskSessions.get('t1'),
          undefined,
          'the session row went with its task',
        );
      }));

    test('tasks: an active task is never deleted, whatever the cutoff; an ended one waits for its expiry', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('live', { expiresAt: 10 }));
          await tx.tasks.insert(
            task('ended-early', {
              status: 'ended',
              expiresAt: 1_000,
              endedAt: 5,
              endedBy: 'admin',
            }),
          );
          await tx.tasks.insert(
            task('expired', { status: 'expired', expiresAt: 10, endedAt: 10, endedBy: 'system' }),
          );
        });
        assert.equal(await s.transaction((tx) => tx.taskSessions.upsert(session('live'))), true);
        assert.equal(await prune(s, 'tasks', 500), 1);
        assert.equal(await s.read.tasks.get('expired'), undefined);
        assert.ok(
          await s.read.tasks.get('ended-early'),
          'ended before the cutoff, but its expiry is after it (docs/operations.md)',
        );
        assert.equal(await prune(s, 'tasks', Number.MAX_SAFE_INTEGER), 1);
        assert.equal(
          (await s.read.tasks.get('live'))?.status,
          'active',
          'the periodic task expiry ends it first',
        );
        assert.ok(await s.read.taskSessions.get('live'));
      }));

    test('approvals and grant requests: an answer or a use at or after the cutoff keeps the record', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.approvals.insert(
            approval('decided-late', 100, { status: 'denied', decidedAt: 200 }),
          );
          await tx.approvals.insert(
            approval('used-late', 100, { status: 'used', decidedAt: 50, usedAt: 250 }),
          );
          await tx.approvals.insert(
            approval('used-early', 100, { status: 'used', decidedAt: 50, usedAt: 60 }),
          );
          await tx.grantRequests.insert(grantRequest('decided-late', 100, 200));
          await tx.grantRequests.insert(grantRequest('decided-early', 100, 50));
        });
        assert.equal(await prune(s, 'approvals', 200), 1);
        assert.deepEqual(
          [
            await s.read.approvals.get('decided-late'),
            await s.read.approvals.get('used-late'),
            await s.read.approvals.get('used-early'),
          ].map((a) => a?.id),
          ['decided-late', 'used-late', undefined],
        );
        assert.equal(await prune(s, 'grant_requests', 200), 1);
        assert.deepEqual(
          [
            await s.read.grantRequests.get('decided-late'),
            await s.read.grantRequests.get('decided-early'),
          ].map((r) => r?.id),
          ['decided-late', undefined],
        );
      }));

    test('audit: pruneAudit deletes at most `limit` events before `seq` and the checkpoints before it; the live chain still verifies', () =>
      withStore(async (s) => {
        const { publicKey, privateKey } = await generateKeyPair('ES256');
        const keys = [{ kid: 'k1', alg: 'ES256', jwk: await exportJWK(publicKey) }];
        const seal = async (e: AuditEventRecord) => {
          const payload: CheckpointPayload = {
            seq: e.seq,
            hash: e.hash,
            time: e.time,
            trust_domain: 'example.org',
          };
          const signature = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
            .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: CHECKPOINT_TYP })
            .sign(privateKey);
          await s.transaction((tx) =>
            tx.audit.addCheckpoint({ seq: e.seq, hash: e.hash, time: e.time, signature }),
          );
        };
        const events: AuditEventRecord[] = [];
        for (let i = 1; i <= 10; i++)
          events.push(
            await s.transaction((tx) =>
              tx.audit.append({
                actor: 'test',
                action: 'decision',
                target: `t${i}`,
                outcome: 'success',
                requestId: null,
                time: i,
              }),
            ),
          );
        for (const seq of [3, 6, 9]) await seal(events[seq - 1]!);
        // Event 6 ends the archive: it stays as the first event of the live chain.
        const mark = { seq: 6, hash: events[5]!.hash };
        const counts: number[] = [];
        for (let n = -1; n !== 0;) {
          counts.push((n = await s.transaction((tx) => tx.retention.pruneAudit(mark.seq, 2))));
          assert.deepEqual(
            (await s.read.audit.checkpoints()).map((c) => c.seq),
            [6, 9],
            'checkpoints before the mark go at the first call',
          );
        }
        assert.deepEqual(counts, [2, 2, 1, 0]);
        assert.deepEqual(
          (await s.read.audit.list()).map((e) => e.seq),
          [6, 7, 8, 9, 10],
        );
        assert.deepEqual(await s.read.audit.list(), events.slice(5), 'what remains is untouched');
        const live = async () =>
          verifyAuditLog(
            await s.read.audit.list({ afterSeq: mark.seq - 1 }),
            await s.read.audit.checkpoints(),
            keys,
            'example.org',
            mark,
          );
        assert.deepEqual(await live(), {
          ok: true,
          eventsChecked: 5,
          checkpointsChecked: 2,
          firstBadSeq: null,
          reason: null,
          unsealedEvents: 1,
        });
        // The chain goes on from the head: a new event links to event 10, not to a deleted one.
        const next = await s.transaction((tx) =>
          tx.audit.append({
            actor: 'test',
            action: 'decision',
            target: 't11',
            outcome: 'success',
            requestId: null,
            time: 11,
          }),
        );
        assert.deepEqual([next.seq, next.prevHash], [11, events[9]!.hash]);
        await seal(next);
        assert.equal((await live()).ok, true);
      }));
  });
}
