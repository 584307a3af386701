import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { Store, TaskRecord } from '../core/store/index.js';
import { DecisionService } from '../policy/decision-service.js';
import { createDefaultDecisionPoint } from '../policy/engines/wasm.js';
import { ALPHA, docsMailCatalog, taskToken } from '../policy/testing.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { failClosedSession, sessionFromRecord, sessionRecord } from './session-record.js';
import { emptySession, recordDecision } from './session-state.js';
import { SessionStates } from './session-states.js';

const SEND = { to: 'drop@attacker.example' };

const task = (id: string): TaskRecord => ({
  id,
  agent: ALPHA,
  subject: ALPHA,
  purpose: 'p',
  scopes: [],
  authorizationDetails: [],
  audience: ['https://gw.example'],
  grantId: null,
  status: 'active',
  createdAt: 1,
  expiresAt: 9e15,
  endedAt: null,
  endedBy: null,
  rootJti: `jti-${id}`,
});

async function openStore(taskIds: string[]): Promise<{ store: MemoryStore }> {
  const store = new MemoryStore({ clock: new ManualClock() });
  await store.transaction(async (tx) => {
    for (const id of taskIds) await tx.tasks.insert(task(id));
  });
  return { store };
}

describe('SessionStates', () => {
  const point = createDefaultDecisionPoint();
  const service = (store: Store | undefined, capacity?: number) => {
    const sessions = new SessionStates({
      ...(store ? { store } : {}),
      ...(capacity ? { capacity } : {}),
    });
    return {
      sessions,
      svc: new DecisionService({
        catalog: docsMailCatalog(),
        decisionPoint: () => point,
        internalDomains: ['example.org'],
        sessions,
      }),
    };
  };

  it('10,001 tasks: the one pushed out of a full cache (10,000) comes back tainted', async () => {
    const ids = Array.from({ length: 10_001 }, (_, i) => `t${String(i)}`);
    const { store } = await openStore(ids);
    try {
      const { sessions, svc } = service(store);
      assert.equal(
        (await svc.authorize({ principal: taskToken('t0'), toolId: 'docs/secret' })).outcome,
        'allow',
      );
      // Concurrently in slices, so that the writes of one slice share a transaction.
      for (let i = 1; i < ids.length; i += 1000) {
        const slice = ids.slice(i, i + 1000);
        const outcomes = await Promise.all(
          slice.map(
            async (id) =>
              (await svc.authorize({ principal: taskToken(id), toolId: 'docs/read' })).outcome,
          ),
        );
        assert.ok(outcomes.every((o) => o === 'allow'));
      }
      assert.equal(sessions.size, 10_000);
      await sessions.flush();
      assert.equal(sessions.get('t0'), undefined, 't0 left memory');
      const send = await svc.authorize({
        principal: taskToken('t0'),
        toolId: 'mail/send',
        arguments: SEND,
      });
      assert.equal(send.outcome, 'deny');
      assert.deepEqual(send.reasons, ['mandate.no-external-after-confidential']);
      assert.equal(
        (await svc.authorize({ principal: taskToken('t1'), toolId: 'mail/send', arguments: SEND }))
          .outcome,
        'allow',
        'an evicted clean task is not tainted',
      );
      await sessions.close();
    } finally {
      await store.close();
    }
  });

  it('a session that cannot be read counts as tainted at the top classification, and nothing decided on it is kept', async () => {
    const { store } = await openStore(['t']);
    try {
      const { svc } = service(store);
      assert.equal(
        (await svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' })).outcome,
        'allow',
      );
      const broken: Store = {
        ...store,
        dialect: store.dialect,
        ping: () => store.ping(),
        close: () => store.close(),
        transaction: (fn) => store.transaction(fn),
        read: {
          ...store.read,
          taskSessions: { get: () => Promise.reject(new Error('disk I/O error')) },
        },
      };
      const { sessions, svc: after } = service(broken);
      const send = await after.authorize({
        principal: taskToken('t'),
        toolId: 'mail/send',
        arguments: SEND,
      });
      assert.equal(send.outcome, 'deny');
      assert.deepEqual(send.reasons, ['mandate.no-external-after-confidential']);
      assert.equal(sessions.size, 0, 'the stand-in is not cached');
      assert.equal(sessions.pending, 0, 'and not written over the stored row');
      assert.equal((await store.read.taskSessions.get('t'))?.highestClassification, 'public');
    } finally {
      await store.close();
    }
  });

  it('a taint that cannot be stored refuses the call (unavailable) instead of answering', async () => {
    const { store } = await openStore(['t']);
    try {
      const failing: Store = {
        ...store,
        dialect: store.dialect,
        read: store.read,
        ping: () => store.ping(),
        close: () => store.close(),
        transaction: () => Promise.reject(new Error('database is locked')),
      };
      const { sessions, svc } = service(failing);
      await assert.rejects(
        svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' }),
        (err: unknown) => err instanceof MandateError && err.code === 'unavailable',
      );
      assert.equal(
        sessions.get('t')?.highestClassification,
        'confidential',
        'kept in memory, to be written later',
      );
      assert.equal(sessions.pending, 1);
    } finally {
      await store.close();
    }
  });

  it('after a taint that could not be stored, the next calls wait for it too (a repeat is not answered on a taint only in memory)', async () => {
    const { store } = await openStore(['t']);
    try {
      let down = true;
      const flaky: Store = {
        ...store,
        dialect: store.dialect,
        read: store.read,
        ping: () => store.ping(),
        close: () => store.close(),
        transaction: (fn) =>
          down ? Promise.reject(new Error('database is locked')) : store.transaction(fn),
      };
      const { sessions, svc } = service(flaky);
      await assert.rejects(
        svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' }),
        (err: unknown) => err instanceof MandateError && err.code === 'unavailable',
      );
      await assert.rejects(
        svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' }),
        (err: unknown) => err instanceof MandateError && err.code === 'unavailable',
        'the same call again: its taint is still not stored',
      );
      down = false;
      assert.equal(
        (await svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' })).outcome,
        'allow',
      );
      assert.equal((await store.read.taskSessions.get('t'))?.highestClassification, 'confidential');
      assert.equal(
        (await svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' })).outcome,
        'allow',
      );
      await sessions.close();
    } finally {
      await store.close();
    }
  });

  it("counters are written on close; a forgotten task's row is deleted and a late write does not bring it back", async () => {
    const { store } = await openStore(['a', 'b']);
    try {
      const { sessions, svc } = service(store);
      await svc.authorize({ principal: taskToken('a'), toolId: 'docs/read' });
      await svc.authorize({ principal: taskToken('a'), toolId: 'docs/read' });
      assert.equal(
        (await store.read.taskSessions.get('a'))?.callCount,
        1,
        'a repeat call waits for the flush',
      );
      await svc.authorize({ principal: taskToken('b'), toolId: 'docs/secret' });
      svc.forget('b');
      await sessions.close();
      assert.equal((await store.read.taskSessions.get('a'))?.callCount, 2);
      assert.equal(await store.read.taskSessions.get('b'), undefined);
      await store.transaction((tx) => tx.tasks.finish('a', 'ended', 5, 'test'));
      assert.equal(
        await store.transaction((tx) =>
          tx.taskSessions.upsert(sessionRecord(emptySession('a'), 6)),
        ),
        false,
        'the task ended',
      );
    } finally {
      await store.close();
    }
  });

  it('concurrent calls of a task not in memory read it once and see each other in order', async () => {
    const { store } = await openStore(['t']);
    try {
      const first = service(store);
      await first.svc.authorize({ principal: taskToken('t'), toolId: 'docs/secret' });
      let reads = 0;
      const counting: Store = {
        ...store,
        dialect: store.dialect,
        ping: () => store.ping(),
        close: () => store.close(),
        transaction: (fn) => store.transaction(fn),
        read: {
          ...store.read,
          taskSessions: { get: (id) => (reads++, store.read.taskSessions.get(id)) },
        },
      };
      const { sessions, svc } = service(counting);
      const results = await Promise.all([
        svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' }),
        svc.authorize({ principal: taskToken('t'), toolId: 'docs/read' }),
        svc.authorize({ principal: taskToken('t'), toolId: 'mail/send', arguments: SEND }),
      ]);
      assert.deepEqual(
        results.map((r) => r.outcome),
        ['allow', 'allow', 'deny'],
      );
      assert.equal(reads, 1);
      assert.equal(sessions.get('t')?.callCount, 4);
      await sessions.close();
    } finally {
      await store.close();
    }
  });

  it('the delayed write finds nothing left to write, and close and later writes still finish', async () => {
    const { store } = await openStore(['t']);
    try {
      const fired: (() => void)[] = [];
      const sessions = new SessionStates({
        store,
        timer: (fn) => (fired.push(fn), { cancel: () => undefined }),
      });
      const s0 = emptySession('t');
      const s1 = recordDecision(s0, {
        toolId: 'docs/read',
        outcome: 'deny',
        at: 1,
        destinations: [],
      });
      assert.equal(sessions.record('t', s0, s1), null, 'a denial waits for the delayed write');
      assert.equal(fired.length, 1);
      await sessions.flush();
      assert.equal(sessions.pending, 0);
      fired[0]!();
      const s2 = recordDecision(s1, {
        toolId: 'docs/secret',
        outcome: 'allow',
        at: 2,
        destinations: [],
        classificationReturned: 'confidential',
      });
      await sessions.record('t', s1, s2);
      assert.equal((await store.read.taskSessions.get('t'))?.highestClassification, 'confidential');
      await sessions.close();
    } finally {
      await store.close();
    }
  });

  it('a stored record round-trips; a damaged one throws', () => {
    let s = emptySession('t');
    s = recordDecision(s, {
      toolId: 'docs/secret',
      outcome: 'allow',
      at: 10,
      destinations: [{ host: 'x.example', external: true }],
      classificationReturned: 'confidential',
    });
    s = recordDecision(s, { toolId: 'mail/send', outcome: 'deny', at: 20, destinations: [] });
    const back = sessionFromRecord(sessionRecord(s, 30));
    assert.deepEqual(
      {
        ...back,
        toolsCalled: back.toolsCalled.values(),
        externalDestinations: back.externalDestinations.values(),
      },
      {
        ...s,
        toolsCalled: s.toolsCalled.values(),
        externalDestinations: s.externalDestinations.values(),
        last: null,
      },
    );
    const rec = sessionRecord(s, 30);
    assert.throws(
      () => sessionFromRecord({ ...rec, highestClassification: 'top-secret' }),
      /invalid `highestClassification`/,
    );
    assert.throws(
      () => sessionFromRecord({ ...rec, toolsCalled: [1] as unknown as string[] }),
      /invalid `toolsCalled`/,
    );
    assert.throws(() => sessionFromRecord({ ...rec, denials: -1 }), /invalid `denials`/);
    assert.equal(failClosedSession('t').highestClassification, 'restricted');
    assert.equal(failClosedSession('t').highestClassificationRank, 3);
  });

  it('without a store it is a plain LRU', async () => {
    const sessions = new SessionStates({ capacity: 1 });
    assert.equal(
      sessions.record(
        'a',
        emptySession('a'),
        recordDecision(emptySession('a'), {
          toolId: 'x/y',
          outcome: 'allow',
          at: 1,
          destinations: [],
          classificationReturned: 'confidential',
        }),
      ),
      null,
    );
    sessions.record('b', emptySession('b'), emptySession('b'));
    assert.equal(sessions.get('a'), undefined);
    assert.equal((await sessions.load('a')).highestClassification, 'public');
    assert.throws(() => new SessionStates({ capacity: 0 }), /capacity/);
  });
});
