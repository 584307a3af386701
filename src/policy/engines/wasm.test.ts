import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import { EMPTY_SESSION } from '../request.js';
import { callRequest, tool } from '../testing.js';
import {
  CedarWasmEngine,
  loadDefaultPolicies,
  loadExamplePolicies,
  type PolicyProblem,
} from './wasm.js';

const pack = loadDefaultPolicies();

function problemsOf(fn: () => unknown): PolicyProblem[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MandateError, String(err));
    assert.equal(err.code, 'invalid_request');
    return (err.details as { errors: PolicyProblem[] }).errors;
  }
  assert.fail('expected the policy set to be rejected');
}

test('the default pack and the examples validate strictly against the schema, every policy with an @id', () => {
  const engine = new CedarWasmEngine({
    schema: pack.schema,
    policies: [...pack.policies, ...loadExamplePolicies()],
  });
  assert.deepEqual(engine.warnings, []);
  assert.ok(
    engine.policyIds.every((id) => /^(mandate|example)\./.test(id)),
    engine.policyIds.join(' '),
  );
  assert.match(engine.version, /^sha256:[0-9a-f]{16}$/);
  assert.deepEqual(engine.origin('mandate.risk-threshold'), {
    file: 'defaults/risk.cedar',
    line: 2,
    column: 1,
  });
});

test('a policy that does not parse is rejected with its file, line and column', () => {
  const text =
    '// é first line\n@id("ok") permit(principal, action, resource);\n\npermit(principal, action, resource)\n  when { context.risk >= bogus };\n';
  const problems = problemsOf(
    () =>
      new CedarWasmEngine({
        schema: pack.schema,
        policies: [{ file: 'policies/bad.cedar', text }],
      }),
  );
  assert.equal(problems.length, 1);
  assert.deepEqual(
    { ...problems[0], message: undefined, help: undefined },
    { file: 'policies/bad.cedar', line: 5, column: 26, message: undefined, help: undefined },
  );
  assert.match(problems[0]!.message, /invalid variable: bogus/);
});

test('a policy that does not validate is rejected with line and column in its own file', () => {
  const good = { file: 'a.cedar', text: '@id("a") permit(principal, action, resource);\n' };
  const text =
    '// ü\n@id("typo")\nforbid (principal, action == Mandate::Action::"call_tool", resource is Mandate::Tool)\nwhen { resource.side_efect == "write" };\n\n@id("types") forbid (principal, action, resource) when { context.risk == "high" };\n';
  const problems = problemsOf(
    () => new CedarWasmEngine({ schema: pack.schema, policies: [good, { file: 'b.cedar', text }] }),
  );
  assert.deepEqual(
    problems.map((p) => [p.file, p.policy, p.line, p.column]),
    [
      ['b.cedar', 'typo', 4, 8],
      ['b.cedar', 'types', 6, 58],
    ],
  );
  assert.match(problems[0]!.message, /attribute `side_efect` .* not found/);
});

test('duplicate ids, empty ids, templates and @approval on a permit are rejected at the policy', () => {
  const text = [
    '@id("x") permit(principal, action, resource);',
    '@id("x") forbid(principal, action, resource);',
    '@id("") forbid(principal, action, resource);',
    '@id("t") permit(principal == ?principal, action, resource);',
    '@id("p") @approval("required") permit(principal, action, resource);',
  ].join('\n');
  const problems = problemsOf(
    () => new CedarWasmEngine({ schema: pack.schema, policies: [{ file: 'p.cedar', text }] }),
  );
  assert.deepEqual(
    problems.map((p) => [p.line, p.column]),
    [
      [2, 1],
      [3, 1],
      [4, 30],
      [5, 1],
    ],
  );
  assert.match(problems[0]!.message, /duplicate policy id `x`; first used at p\.cedar:1:1/);
  assert.match(problems[3]!.message, /only on a forbid/);
});

test('an invalid schema is rejected with line and column', () => {
  const problems = problemsOf(
    () =>
      new CedarWasmEngine({
        schema: { file: 's.cedarschema', text: 'namespace M {\n  entity A { x: Strng };\n}\n' },
        policies: [],
      }),
  );
  assert.deepEqual(
    [problems[0]!.file, problems[0]!.line, problems[0]!.column],
    ['s.cedarschema', 2, 17],
  );
});

test('a request that does not match the schema is denied with the reason', () => {
  const engine = new CedarWasmEngine(pack);
  const typeMismatch = engine.authorize(callRequest({ risk: 'high' as unknown as number }));
  assert.equal(typeMismatch.outcome, 'deny');
  assert.deepEqual(typeMismatch.reasons, []);
  assert.equal(typeMismatch.errors[0]!.policy, '');
  assert.match(
    typeMismatch.errors[0]!.message,
    /^invalid request: context .* is not valid for `Mandate::Action::"call_tool"`/,
  );

  const badEntity = engine.authorize(
    callRequest({ tool: tool({ labels: 'x' as unknown as string[] }) }),
  );
  assert.match(
    badEntity.errors[0]!.message,
    /error during entity deserialization: in attribute `labels` on `Mandate::Tool::"github\/list_issues"`/,
  );

  const unknownClass = engine.authorize(
    callRequest({ session: { ...EMPTY_SESSION, highestClassification: 'secret' as 'public' } }),
  );
  assert.equal(unknownClass.outcome, 'deny');
  assert.match(unknownClass.errors[0]!.message, /unknown classification `secret`/);

  const wrongActor = engine.authorize(
    callRequest({
      principal: {
        ...callRequest().principal,
        chain: {
          depth: 0,
          actors: [],
          currentActor: 'spiffe://example.org/agent/other',
          onBehalfOf: null,
        },
      },
    }),
  );
  assert.match(wrongActor.errors[0]!.message, /not the chain's current actor/);

  const notARequest = engine.authorize(null as never);
  assert.equal(notARequest.outcome, 'deny');
});

test('a policy whose evaluation errors is skipped and reported, as Cedar does', () => {
  // Validates, but overflows a Long once the session has seen two calls.
  const overflow = {
    file: 'overflow.cedar',
    text: '@id("overflow") forbid (principal, action, resource) when { context.session.call_count * 4611686018427387904 > 1 };\n',
  };
  const engine = new CedarWasmEngine({
    schema: pack.schema,
    policies: [...pack.policies, overflow],
  });
  assert.equal(
    engine.authorize(callRequest({ session: { ...EMPTY_SESSION, callCount: 0 } })).outcome,
    'allow',
  );
  const decided = engine.authorize(callRequest({ session: { ...EMPTY_SESSION, callCount: 2 } }));
  assert.equal(decided.outcome, 'allow');
  assert.deepEqual(decided.reasons, ['mandate.allow-scoped-tools']);
  assert.equal(decided.errors.length, 1);
  assert.equal(decided.errors[0]!.policy, 'overflow');
  assert.match(decided.errors[0]!.message, /integer overflow/);
});

test('the policy-set version is the content digest unless given, and is in every decision', () => {
  const a = new CedarWasmEngine(pack);
  const b = new CedarWasmEngine({ ...pack, policies: [...pack.policies].reverse() });
  assert.notEqual(a.version, b.version);
  assert.equal(new CedarWasmEngine(pack).version, a.version);
  const named = new CedarWasmEngine({ ...pack, version: 'v7' });
  assert.equal(named.authorize(callRequest()).policySetVersion, 'v7');
});
