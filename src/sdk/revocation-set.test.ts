import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../core/clock.js';
import type { RevocationEventRecord } from '../core/store/index.js';
import { eventJson } from '../revocation/events.js';
import { RevocationRegistry } from '../revocation/registry.js';
import { parseRevocationEvent, parseRevocationSnapshot, RevocationSet } from './revocation-set.js';
import type { Principal } from '../protocol/principal.js';
import { revocableOf } from '../protocol/revocation.js';

const T0 = Date.UTC(2026, 0, 1);
const ids = ['a', 'b', 'c', 'd'];
const agentIds = ['spiffe://td/agent/x', 'spiffe://td/agent/y', 'human@example.org'];

const event: fc.Arbitrary<Omit<RevocationEventRecord, 'seq'>> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('token', 'task', 'grant', 'approval', 'key' as const),
    subject: fc.constantFrom(...ids),
    at: fc.integer({ min: T0, max: T0 + 100_000 }),
    expiresAt: fc.option(fc.integer({ min: T0, max: T0 + 1_000_000 }), { nil: null }),
    cause: fc.constant('test'),
  }),
  fc.record({
    kind: fc.constant('agent' as const),
    subject: fc.constantFrom(...agentIds),
    at: fc.integer({ min: T0, max: T0 + 100_000 }),
    expiresAt: fc.option(fc.integer({ min: T0, max: T0 + 1_000_000 }), { nil: null }),
    cause: fc.constant('test'),
    status: fc.constantFrom('active', 'suspended', 'retired' as const),
  }),
);

const principal: fc.Arbitrary<Principal> = fc
  .record({
    jti: fc.constantFrom(...ids),
    ancestors: fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 3 }),
    taskId: fc.constantFrom(...ids),
    subject: fc.constantFrom(...agentIds),
    actors: fc.array(fc.constantFrom(...agentIds), { maxLength: 3 }),
    grantId: fc.option(fc.constantFrom(...ids), { nil: null }),
    keyId: fc.option(fc.constantFrom(...ids), { nil: null }),
    issuedAt: fc.integer({ min: T0 / 1000, max: T0 / 1000 + 100 }),
  })
  .map((p) => ({ ...p, actor: p.actors[0] ?? p.subject }) as unknown as Principal);

describe('RevocationSet', () => {
  // Both hold protocol/revocation.ts's RevocationState: what this checks is that the wire (events and
  // snapshots as GET /v1/events sends them) carries everything the one check reads.
  test('answers exactly like the server registry, from events and from a snapshot over the wire, before and after compaction', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 25 }),
        fc.array(principal, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (events, principals, later) => {
          const clock = new ManualClock(T0);
          const registry = new RevocationRegistry(clock);
          const fromEvents = new RevocationSet();
          events.forEach((e, i) => {
            const record = { ...e, seq: i + 1 };
            registry.apply(record);
            fromEvents.apply(parseRevocationEvent(JSON.stringify(eventJson(record))));
          });
          const fromSnapshot = new RevocationSet();
          fromSnapshot.load(
            parseRevocationSnapshot(
              JSON.stringify({ seq: events.length, time: clock.now(), ...registry.state() }),
            ),
          );
          for (const p of principals) {
            assert.equal(fromEvents.check(p), registry.check(revocableOf(p)));
            assert.equal(fromSnapshot.check(p), registry.check(revocableOf(p)));
            assert.equal(fromEvents.checkApproval(p.jti), registry.checkApproval(p.jti));
          }
          clock.advance(later);
          assert.equal(fromEvents.compact(clock.now()), registry.compact());
          assert.equal(fromEvents.size, registry.size);
          for (const p of principals)
            assert.equal(fromEvents.check(p), registry.check(revocableOf(p)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('malformed events and snapshots are refused, not half applied', () => {
    for (const bad of [
      'null',
      '[]',
      '{"seq":0,"kind":"task","id":"t","at":1,"exp":2,"cause":"x"}',
      '{"seq":1,"kind":"nope","id":"t","at":1,"exp":2,"cause":"x"}',
      '{"seq":1,"kind":"agent","id":"a","at":1,"exp":null,"cause":"x"}',
      '{"seq":1,"kind":"task","id":"","at":1,"exp":2,"cause":"x"}',
    ]) {
      assert.throws(() => parseRevocationEvent(bad), TypeError, bad);
    }
    const good = {
      seq: 3,
      time: 1,
      tokens: [['j', 5]],
      tasks: [],
      agents: [['a', 'suspended', 1, null]],
      grants: [],
      approvals: [],
      keys: [],
    };
    assert.equal(parseRevocationSnapshot(JSON.stringify(good)).seq, 3);
    assert.throws(
      () => parseRevocationSnapshot(JSON.stringify({ ...good, tokens: [['j']] })),
      TypeError,
    );
    assert.throws(
      () => parseRevocationSnapshot(JSON.stringify({ ...good, agents: [['a', 'gone', 1, null]] })),
      TypeError,
    );
    assert.throws(
      () => parseRevocationSnapshot(JSON.stringify({ ...good, keys: undefined })),
      TypeError,
    );
  });
});
