import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planResponses, ruleMatches } from './responses.js';
import { DEFAULT_SIGNALS, type ResponseRule } from './signal-config.js';

const ALPHA = 'spiffe://example.org/agent/alpha';

test('the default ladder: 50 require approval, 70 read only, 90 revoke the task, never suspend', () => {
  const at = (risk: number) =>
    planResponses({ kind: 'x', risk, agent: ALPHA }, [], DEFAULT_SIGNALS);
  assert.deepEqual(at(49), []);
  assert.deepEqual(at(50), ['require_approval']);
  assert.deepEqual(at(70), ['require_approval', 'read_only']);
  assert.deepEqual(at(89), ['require_approval', 'read_only']);
  assert.deepEqual(at(90), ['require_approval', 'read_only', 'revoke_task']);
  assert.deepEqual(at(100), ['require_approval', 'read_only', 'revoke_task']);
});

test("a detector's own responses and every matching rule add to the ladder, in execution order", () => {
  const rules: ResponseRule[] = [
    { agent: ALPHA, kind: 'denial_streak', responses: ['suspend_agent'] },
    { label: 'env:prod', kind: '*', responses: ['revoke_task'] },
    { label: 'env:dev', kind: '*', responses: ['read_only'] },
  ];
  const config = { ...DEFAULT_SIGNALS, rules };
  assert.deepEqual(
    planResponses({ kind: 'denial_streak', risk: 10, agent: ALPHA }, ['env:prod'], config, [
      'read_only',
    ]),
    ['read_only', 'revoke_task', 'suspend_agent'],
  );
  assert.deepEqual(planResponses({ kind: 'rate_spike', risk: 10, agent: ALPHA }, [], config), []);
  assert.deepEqual(
    planResponses(
      { kind: 'rate_spike', risk: 60, agent: 'spiffe://example.org/agent/beta' },
      ['env:dev'],
      config,
    ),
    ['require_approval', 'read_only'],
  );
});

test('a rule matches on kind (or *), agent id and label, all that it names', () => {
  const s = { kind: 'prompt_injection', risk: 0, agent: ALPHA };
  assert.equal(ruleMatches({ kind: '*', agent: ALPHA, responses: ['read_only'] }, s, []), true);
  assert.equal(
    ruleMatches({ kind: 'prompt_injection', label: 'prod', responses: ['read_only'] }, s, ['prod']),
    true,
  );
  assert.equal(
    ruleMatches({ kind: 'prompt_injection', label: 'prod', responses: ['read_only'] }, s, [
      'prod:x',
    ]),
    false,
  );
  assert.equal(
    ruleMatches({ kind: 'other', agent: ALPHA, responses: ['read_only'] }, s, []),
    false,
  );
  assert.equal(
    ruleMatches({ kind: '*', agent: ALPHA, label: 'prod', responses: ['read_only'] }, s, []),
    false,
  );
});

test('a ladder rung set to null never fires; a rung can be lowered', () => {
  const config = {
    ...DEFAULT_SIGNALS,
    ladder: { require_approval: null, read_only: 30, revoke_task: null, suspend_agent: 95 },
  };
  assert.deepEqual(planResponses({ kind: 'x', risk: 100, agent: null }, [], config), [
    'read_only',
    'suspend_agent',
  ]);
});
