import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, type EngineAnswer } from './decision-point.js';

const approval = (id: string) => id.startsWith('approve.');
const deny = (...reasons: string[]): EngineAnswer => ({ decision: 'deny', reasons, errors: [] });
const allow: EngineAnswer = { decision: 'allow', reasons: ['p'], errors: [] };

test('decide: approval_required only when approval policies alone deny and approving would allow', () => {
  let asked = 0;
  const ifApproved = (answer: EngineAnswer | null) => () => {
    asked++;
    return answer;
  };
  assert.equal(decide(allow, 'v', approval, ifApproved(null)).outcome, 'allow');
  assert.equal(decide(deny(), 'v', approval, ifApproved(allow)).outcome, 'deny', 'nothing permits');
  assert.equal(
    decide(deny('approve.a', 'hard'), 'v', approval, ifApproved(allow)).outcome,
    'deny',
    'a hard forbid holds',
  );
  assert.equal(asked, 0, 'the approved request is evaluated only when approval alone denies');
  assert.equal(
    decide(deny('approve.a'), 'v', approval, ifApproved(deny())).outcome,
    'deny',
    'approving would not help',
  );
  assert.equal(
    decide(deny('approve.a'), 'v', approval, ifApproved(null)).outcome,
    'deny',
    'the request cannot carry an approval',
  );
  const d = decide(deny('approve.a', 'approve.b'), 'v', approval, ifApproved(allow));
  assert.deepEqual(d, {
    outcome: 'approval_required',
    reasons: ['approve.a', 'approve.b'],
    errors: [],
    policySetVersion: 'v',
    approvalPolicies: ['approve.a', 'approve.b'],
  });
});
