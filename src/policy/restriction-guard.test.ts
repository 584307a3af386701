import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadDefaultPolicies } from './default-pack.js';
import { CedarWasmEngine } from './engines/wasm.js';
import { guardRestrictions } from './restriction-guard.js';
import type { DecisionRequest } from './request.js';
import { callRequest, tool } from './testing.js';

// The restricting responses to risk signals hold whatever the active policy set says: the guard
// applies signals.cedar's two rules after the decision point (docs/signals.md).
const pack = loadDefaultPolicies();
const withSignals = new CedarWasmEngine(pack);
const withoutSignals = new CedarWasmEngine({
  ...pack,
  policies: pack.policies.filter((p) => !p.file.endsWith('signals.cedar')),
});
const guarded = (req: DecisionRequest) => guardRestrictions(req, withoutSignals.authorize(req));

const restrictions = fc.subarray(['require_approval', 'read_only', 'quarantine']);
const sideEffect = fc.constantFrom('read' as const, 'write' as const, 'destructive' as const);
const { tool: _tool, ...common } = callRequest();
const requestArb = fc.oneof(
  fc
    .record({
      restrictions,
      approved: fc.boolean(),
      risk: fc.integer({ min: 0, max: 100 }),
      sideEffect,
      cataloged: fc.boolean(),
      scoped: fc.boolean(),
    })
    .map(
      ({ restrictions: r, approved, risk, sideEffect: s, cataloged, scoped }): DecisionRequest => {
        const t = cataloged
          ? tool({ name: 'github/do_it', sideEffect: s })
          : { cataloged: false as const, name: 'github/do_it', server: 'github' };
        return callRequest({
          restrictions: r,
          approved,
          risk,
          tool: t,
          scopes: scoped ? ['tool:github/*'] : [],
        });
      },
    ),
  fc
    .record({ restrictions, approved: fc.boolean(), scoped: fc.boolean() })
    .map(({ restrictions: r, approved, scoped }): DecisionRequest => ({
      ...common,
      action: 'read_resource',
      approved,
      restrictions: r,
      scopes: scoped ? ['resource:docs/*'] : [],
      resource: { server: 'docs', uri: 'file:///a.md' },
    })),
);

test('with the default pack the guard never changes a decision', () => {
  fc.assert(
    fc.property(requestArb, (req) => {
      const d = withSignals.authorize(req);
      assert.deepEqual(guardRestrictions(req, d), d);
    }),
    { numRuns: 500 },
  );
});

test("a policy set without signals.cedar, guarded, reaches the default pack's outcome", () => {
  fc.assert(
    fc.property(requestArb, (req) => {
      assert.equal(
        guarded(req).outcome,
        withSignals.authorize(req).outcome,
        JSON.stringify({
          restrictions: req.restrictions,
          approved: req.approved,
          action: req.action,
        }),
      );
    }),
    { numRuns: 500 },
  );
});

test("the guard names the default pack's policy ids, and an approval spends the approval rule only", () => {
  const write = tool({ name: 'github/create_issue', sideEffect: 'write' });
  assert.deepEqual(
    withoutSignals.authorize(callRequest({ restrictions: ['read_only'], tool: write })).outcome,
    'allow',
    'without the guard the response does nothing',
  );
  assert.deepEqual(
    pick(guarded(callRequest({ restrictions: ['read_only'], tool: write, approved: true }))),
    ['deny', ['mandate.signal-read-only'], []],
  );
  assert.deepEqual(pick(guarded(callRequest({ restrictions: ['require_approval'] }))), [
    'approval_required',
    ['mandate.signal-needs-approval'],
    ['mandate.signal-needs-approval'],
  ]);
  assert.deepEqual(
    pick(guarded(callRequest({ restrictions: ['require_approval'], approved: true }))),
    ['allow', ['mandate.allow-scoped-tools'], []],
  );
  assert.deepEqual(
    pick(guarded(callRequest({ restrictions: ['quarantine'], tool: write }))),
    ['allow', ['mandate.allow-scoped-tools'], []],
    'an unknown restriction changes nothing',
  );
});

function pick(d: {
  outcome: string;
  reasons: string[];
  approvalPolicies: string[];
}): [string, string[], string[]] {
  return [d.outcome, d.reasons, d.approvalPolicies];
}
