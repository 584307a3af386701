import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store, TaskRecord, TaskSessionRecord } from '../../core/store/index.js';

/** The contract of the task sessions repository (SQLite migration 12), run by `storeConformance` for every dialect. */
export function sessionConformance(
  dialect: string,
  withStore: (fn: (s: Store) => Promise<void>) => Promise<void>,
): void {
  const task = (id: string): TaskRecord => ({
    id,
    agent: 'spiffe://example.org/agent/a',
    subject: 'spiffe://example.org/agent/a',
    purpose: 'p',
    scopes: [],
    authorizationDetails: [],
    audience: ['https://gw.example.org'],
    grantId: null,
    status: 'active',
    createdAt: 1,
    expiresAt: 1000,
    endedAt: null,
    endedBy: null,
    rootJti: `j-${id}`,
  });
  const session = (taskId: string, over: Partial<TaskSessionRecord> = {}): TaskSessionRecord => ({
    taskId,
    highestClassification: 'confidential',
    toolsCalled: ['docs/secret', 'mail/send'],
    recentTools: ['docs/secret', 'mail/send', 'docs/secret'],
    externalDestinations: ['partner.example'],
    firstExternalAt: 5,
    denials: 1,
    denialStreak: 0,
    approvalsRequired: 2,
    callCount: 4,
    callsInWindow: [1, 5, 9],
    lastAt: 9,
    updatedAt: 10,
    ...over,
  });

  describe(`store conformance: ${dialect}: task sessions`, () => {
    test('task sessions: stored as given, replaced, deleted once; written only while the task is active', () =>
      withStore(async (s) => {
        await s.transaction(async (tx) => {
          await tx.tasks.insert(task('t1'));
          await tx.tasks.insert(task('t2'));
        });
        assert.equal(await s.read.taskSessions.get('t1'), undefined);
        assert.equal(await s.transaction((tx) => tx.taskSessions.upsert(session('t1'))), true);
        assert.deepEqual(await s.read.taskSessions.get('t1'), session('t1'));
        const newer = session('t1', {
          highestClassification: 'restricted',
          toolsCalled: ['a/b'],
          firstExternalAt: null,
          lastAt: null,
          callsInWindow: [],
          updatedAt: 11,
        });
        assert.equal(await s.transaction((tx) => tx.taskSessions.upsert(newer)), true);
        assert.deepEqual(await s.read.taskSessions.get('t1'), newer);
        assert.equal(
          await s.transaction((tx) => tx.taskSessions.upsert(session('unknown'))),
          false,
          'no such task',
        );
        assert.equal(await s.read.taskSessions.get('unknown'), undefined);
        await s.transaction((tx) => tx.tasks.finish('t2', 'ended', 5, 'test'));
        assert.equal(
          await s.transaction((tx) => tx.taskSessions.upsert(session('t2'))),
          false,
          'the task ended',
        );
        assert.equal(await s.read.taskSessions.get('t2'), undefined);
        assert.equal(await s.transaction((tx) => tx.taskSessions.delete('t1')), true);
        assert.equal(await s.transaction((tx) => tx.taskSessions.delete('t1')), false);
        assert.equal(await s.read.taskSessions.get('t1'), undefined);
      }));
  });
}
