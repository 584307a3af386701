import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MandateError } from '../core/errors.js';
import { createDefaultDecisionPoint } from './engines/wasm.js';
import { parsePolicyTestFile, runPolicyTests } from './policy-test.js';

test('the shipped policy test file passes against the default pack', () => {
  const spec = parsePolicyTestFile(
    JSON.parse(readFileSync('policies/tests/default-pack.json', 'utf8')),
  );
  assert.equal(spec.policies, '../../src/policy/defaults');
  const results = runPolicyTests(createDefaultDecisionPoint(), spec.cases);
  assert.ok(results.length >= 6);
  assert.deepEqual(
    results.filter((r) => !r.pass),
    [],
  );
  assert.deepEqual(
    new Set(results.map((r) => r.outcome)),
    new Set(['allow', 'deny', 'approval_required']),
  );
});

test('a case with the wrong expectation fails; a malformed file names the case and field', () => {
  const spec = parsePolicyTestFile(
    JSON.parse(readFileSync('policies/tests/default-pack.json', 'utf8')),
  );
  const [first] = runPolicyTests(createDefaultDecisionPoint(), [
    { ...spec.cases[0]!, expect: 'deny' },
  ]);
  assert.equal(first?.pass, false);
  assert.equal(first?.outcome, 'allow');
  const bad = (json: unknown, pattern: RegExp) =>
    assert.throws(
      () => parsePolicyTestFile(json),
      (err: unknown) =>
        err instanceof MandateError && err.code === 'invalid_request' && pattern.test(err.message),
    );
  bad({ cases: [] }, /`policies`/);
  bad(
    { policies: 'p', cases: [{ name: 'a', request: {}, expect: 'maybe' }] },
    /case `a`: `expect`/,
  );
  bad(
    { policies: 'p', cases: [{ name: 'a', request: { now: 'yesterday' }, expect: 'allow' }] },
    /case `a`: `request.now`/,
  );
});
