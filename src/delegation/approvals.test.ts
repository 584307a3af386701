import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { ApprovalRecord } from '../core/store/index.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { ApprovalService, type ApprovalRequest } from './approvals.js';

const AGENT = 'spiffe://example.org/agent/alpha';

async function withService(
  fn: (
    svc: ApprovalService,
    store: MemoryStore,
    clock: ManualClock,
    changes: ApprovalRecord[],
  ) => Promise<void>,
): Promise<void> {
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
  const store = new MemoryStore({ clock });
  const changes: ApprovalRecord[] = [];
  try {
    await fn(
      new ApprovalService(store, clock, {
        issuer: 'https://mandate.example.org',
        ttlSeconds: 600,
        onChange: (a) => changes.push(a),
      }),
      store,
      clock,
      changes,
    );
  } finally {
    await store.close();
  }
}

const call = {
  agent: AGENT,
  taskId: 'task-1',
  target: 'files/delete_file',
  arguments: { path: '/tmp/a', options: { force: true } },
  policySetVersion: 'v1',
  reasons: ['mandate.destructive-needs-approval'],
};
const ask = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  ...call,
  policySetVersion: 'v1',
  decisionId: 'd1',
  reasons: ['mandate.destructive-needs-approval'],
  audience: 'https://mandate.example.org/mcp',
  ...over,
});

const rejectsWith = (code: string) => (err: unknown) =>
  err instanceof MandateError && err.code === code;

describe('ApprovalService', () => {
  it('approves exactly one call, once; key order of the arguments does not matter (RFC 8785)', async () => {
    await withService(async (svc, store, _clock, changes) => {
      const ticket = await svc.request(ask());
      assert.equal(ticket.status, 'pending');
      assert.equal(
        ticket.statusUrl,
        `https://mandate.example.org/v1/approvals/${ticket.id}/status`,
      );
      assert.equal(
        (await svc.request(ask({ decisionId: 'd2' }))).id,
        ticket.id,
        'an identical pending call reuses the approval',
      );
      assert.equal(await svc.consume(call), false, 'pending is not approved');
      await svc.decide(ticket.id, { approve: true, by: 'alice@example.org', note: 'ok once' });
      assert.equal(
        await svc.consume({ ...call, arguments: { path: '/tmp/b', options: { force: true } } }),
        false,
        'a changed argument needs a new approval',
      );
      assert.equal(await svc.consume({ ...call, taskId: 'task-2' }), false, 'another task');
      assert.equal(
        await svc.consume({ ...call, target: 'files/read_file' }),
        false,
        'another tool',
      );
      assert.equal(
        await svc.consume({ ...call, agent: 'spiffe://example.org/agent/beta' }),
        false,
        'another agent',
      );
      assert.equal(
        await svc.consume({ ...call, arguments: { options: { force: true }, path: '/tmp/a' } }),
        true,
      );
      assert.equal(await svc.consume(call), false, 'single use');
      assert.equal((await svc.get(ticket.id))?.status, 'used');
      await assert.rejects(
        svc.decide(ticket.id, { approve: false, by: 'bob' }),
        rejectsWith('conflict'),
      );
      const events = (await store.read.audit.list({})).filter((e) =>
        e.action.startsWith('approval.'),
      );
      assert.deepEqual(
        events.map((e) => [e.action, e.actor]),
        [
          ['approval.request', AGENT],
          ['approval.approve', 'alice@example.org'],
          ['approval.use', AGENT],
        ],
      );
      assert.deepEqual(
        changes.map((a) => a.status),
        ['pending', 'approved', 'used'],
      );
    });
  });

  it('an approval is spent only under the policy-set version it was asked under, and never lifts a forbid it was not asked for', async () => {
    await withService(async (svc) => {
      const t = await svc.request(
        ask({ reasons: ['mandate.destructive-needs-approval', 'example.business-hours'] }),
      );
      await svc.decide(t.id, { approve: true, by: 'alice' });
      assert.equal(
        await svc.consume({ ...call, policySetVersion: 'v2' }),
        false,
        'a policy activation voids it',
      );
      assert.equal(
        await svc.consume({
          ...call,
          reasons: ['mandate.destructive-needs-approval', 'example.new-forbid'],
        }),
        false,
        'a new approval policy holds now',
      );
      assert.equal(
        await svc.consume({ ...call, reasons: ['example.business-hours'] }),
        true,
        'a subset of what was approved',
      );
    });
  });

  it('two racing answers: one wins, the other is a conflict', async () => {
    await withService(async (svc) => {
      const t = await svc.request(ask());
      const results = await Promise.allSettled([
        svc.decide(t.id, { approve: true, by: 'alice' }),
        svc.decide(t.id, { approve: false, by: 'bob' }),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejectsWith('conflict')(rejected.reason));
    });
  });

  it('a denied or expired approval is never usable', async () => {
    await withService(async (svc, _store, clock) => {
      const denied = await svc.request(ask());
      await svc.decide(denied.id, { approve: false, by: 'alice' });
      assert.equal(await svc.consume(call), false);
      const later = await svc.request(ask());
      assert.notEqual(later.id, denied.id, 'a denied approval is not reused');
      await svc.decide(later.id, { approve: true, by: 'alice' });
      clock.advance(601_000);
      assert.equal(await svc.consume(call), false, 'approved but expired');
      assert.equal((await svc.get(later.id))?.status, 'expired');
      const stale = await svc.request(ask());
      clock.advance(601_000);
      await assert.rejects(
        svc.decide(stale.id, { approve: true, by: 'alice' }),
        rejectsWith('conflict'),
      );
      await assert.rejects(
        svc.decide('apr_nope', { approve: true, by: 'alice' }),
        rejectsWith('not_found'),
      );
      assert.deepEqual(
        (await svc.list({ status: 'expired' })).map((a) => a.id).sort(),
        [later.id, stale.id].sort(),
      );
    });
  });

  it('concurrent identical calls spend one approval once', async () => {
    await withService(async (svc) => {
      const t = await svc.request(ask());
      await svc.decide(t.id, { approve: true, by: 'alice' });
      const results = await Promise.all(Array.from({ length: 8 }, () => svc.consume(call)));
      assert.equal(results.filter(Boolean).length, 1);
    });
  });

  it('property: an approval is spent only by a call whose canonical arguments are equal', async () => {
    await withService(async (svc) => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
          fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
          async (a, b) => {
            const taskId = `t${n++}`;
            const t = await svc.request(ask({ taskId, arguments: a }));
            await svc.decide(t.id, { approve: true, by: 'alice' });
            const same = JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
            assert.equal(await svc.consume({ ...call, taskId, arguments: b }), same);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return Object.is(v, -0) ? 0 : v;
}
