import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDefaultPolicies } from '../policy/default-pack.js';
import { CedarWasmEngine } from '../policy/engines/wasm.js';
import { callRequest, tool, type CallRequest } from '../policy/testing.js';

// The default pack's answers to the signal responses in `context.restrictions` (src/policy/defaults/signals.cedar).
const engine = new CedarWasmEngine(loadDefaultPolicies());
const decide = (o: Partial<CallRequest>) => {
  const d = engine.authorize(callRequest(o));
  return [d.outcome, d.reasons];
};
const write = tool({ name: 'github/create_issue', sideEffect: 'write' });
const destroy = tool({ name: 'github/delete_repo', sideEffect: 'destructive' });

test('require_approval: every call needs an approval, and is allowed with one', () => {
  assert.deepEqual(decide({ restrictions: ['require_approval'] }), [
    'approval_required',
    ['mandate.signal-needs-approval'],
  ]);
  assert.deepEqual(decide({ restrictions: ['require_approval'], approved: true }), [
    'allow',
    ['mandate.allow-scoped-tools'],
  ]);
  assert.deepEqual(decide({ restrictions: ['require_approval'], tool: destroy }), [
    'approval_required',
    ['mandate.destructive-needs-approval', 'mandate.signal-needs-approval'],
  ]);
  // An approval never lifts a hard forbid, nor grants what the scopes do not.
  assert.deepEqual(decide({ restrictions: ['require_approval'], risk: 80, approved: true }), [
    'deny',
    ['mandate.risk-threshold'],
  ]);
  assert.equal(decide({ restrictions: ['require_approval'], scopes: [] })[0], 'deny');
});

test('read_only: reads stay allowed; writes and destructive calls are denied, approved or not', () => {
  assert.deepEqual(decide({ restrictions: ['read_only'] }), [
    'allow',
    ['mandate.allow-scoped-tools'],
  ]);
  assert.deepEqual(decide({ restrictions: ['read_only'], tool: write }), [
    'deny',
    ['mandate.signal-read-only'],
  ]);
  assert.deepEqual(decide({ restrictions: ['read_only'], tool: write, approved: true }), [
    'deny',
    ['mandate.signal-read-only'],
  ]);
  assert.deepEqual(decide({ restrictions: ['read_only'], tool: destroy, approved: true }), [
    'deny',
    ['mandate.signal-read-only'],
  ]);
});

test('both: reads need an approval, writes are denied', () => {
  assert.equal(decide({ restrictions: ['read_only', 'require_approval'] })[0], 'approval_required');
  assert.deepEqual(
    decide({ restrictions: ['read_only', 'require_approval'], tool: write, approved: true }),
    ['deny', ['mandate.signal-read-only']],
  );
});

test('no restrictions, or an unknown one, change nothing', () => {
  assert.deepEqual(decide({}), ['allow', ['mandate.allow-scoped-tools']]);
  assert.deepEqual(decide({ restrictions: ['quarantine'], tool: write }), [
    'allow',
    ['mandate.allow-scoped-tools'],
  ]);
});

test('resources and prompts: require_approval holds for them, read_only does not', () => {
  const { tool: _tool, ...common } = callRequest();
  const read = {
    ...common,
    action: 'read_resource' as const,
    scopes: ['resource:docs/*'],
    resource: { server: 'docs', uri: 'file:///a.md' },
  };
  assert.equal(engine.authorize({ ...read, restrictions: ['read_only'] }).outcome, 'allow');
  assert.deepEqual(engine.authorize({ ...read, restrictions: ['require_approval'] }).reasons, [
    'mandate.signal-needs-approval',
  ]);
  const list = { ...common, action: 'list_tools' as const, server: { name: 'github', labels: [] } };
  assert.equal(
    engine.authorize({ ...list, restrictions: ['require_approval', 'read_only'] }).outcome,
    'allow',
    'listing is filtered per tool instead',
  );
});
