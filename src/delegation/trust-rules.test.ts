import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MandateError } from '../core/errors.js';
import {
  evaluateTrust,
  isTrustPattern,
  matchesTrustPattern,
  validateTrustRule,
  type TrustRule,
} from './trust-rules.js';

const TD = 'example.org';
const PLANNER = 'spiffe://example.org/agent/planner';
const WORKER = 'spiffe://example.org/agent/worker/1';
const PARTNER = 'spiffe://partner.net/agent/x';

function query(
  from: string,
  to: string,
  depth = 1,
): { from: string; to: string; depth: number; localTrustDomain: string } {
  return { from, to, depth, localTrustDomain: TD };
}

function denied(decision: ReturnType<typeof evaluateTrust>, text: string): void {
  assert.equal(decision.allowed, false);
  if (decision.allowed) return;
  assert.ok(
    decision.message.includes(text),
    `message \`${decision.message}\` does not name \`${text}\``,
  );
}

describe('matchesTrustPattern', () => {
  const m = (pattern: string, id: string): boolean => matchesTrustPattern(pattern, id, TD);

  test('exact', () => {
    assert.equal(m(PLANNER, PLANNER), true);
    assert.equal(m(PLANNER, `${PLANNER}/x`), false);
    assert.equal(m(PLANNER, 'spiffe://example.org/agent/plannerx'), false);
  });

  test('`/*` is a path-segment prefix', () => {
    assert.equal(m('spiffe://example.org/agent/*', 'spiffe://example.org/agent/x'), true);
    assert.equal(m('spiffe://example.org/agent/*', 'spiffe://example.org/agent/x/y'), true);
    assert.equal(m('spiffe://example.org/agent/*', 'spiffe://example.org/agentx'), false);
    assert.equal(m('spiffe://example.org/agent/*', 'spiffe://example.org/agentx/y'), false);
    assert.equal(m('spiffe://example.org/agent/*', 'spiffe://example.org/agent'), false);
    assert.equal(m('spiffe://example.org/agent/*', 'spiffe://example.org.evil/agent/x'), false);
    assert.equal(m('spiffe://example.org/*', 'spiffe://example.org/anything/at/all'), true);
    assert.equal(m('spiffe://example.org/*', 'spiffe://example.org'), false);
    assert.equal(m('spiffe://example.org/*', 'spiffe://example.orgx/a'), false);
  });

  test('`*` matches only the local trust domain', () => {
    assert.equal(m('*', PLANNER), true);
    assert.equal(m('*', 'spiffe://example.org'), true);
    assert.equal(m('*', PARTNER), false);
    assert.equal(m('*', 'spiffe://sub.example.org/agent/a'), false);
  });

  test('an invalid id or pattern matches nothing', () => {
    assert.equal(m('*', 'user:alice'), false);
    assert.equal(m('*', 'spiffe://example.org/agent/../x'), false);
    assert.equal(m('spiffe://*', PLANNER), false);
    assert.equal(m('spiffe://example.org//*', 'spiffe://example.org//x'), false);
    assert.equal(m('spiffe://example.org/agent*', 'spiffe://example.org/agentx'), false);
    assert.equal(m('user:alice', 'user:alice'), false);
  });
});

describe('isTrustPattern', () => {
  test('a SPIFFE ID, a SPIFFE ID + `/*`, or `*`', () => {
    for (const p of [
      '*',
      PLANNER,
      'spiffe://example.org',
      'spiffe://example.org/*',
      'spiffe://example.org/agent/*',
    ])
      assert.equal(isTrustPattern(p), true, p);
    for (const p of [
      '',
      '**',
      '/*',
      'spiffe://*',
      'spiffe://example.org/',
      'spiffe://example.org/agent*',
      'spiffe://example.org/*/x',
      'spiffe://Example.org/a',
      'https://example.org/a/*',
    ]) {
      assert.equal(isTrustPattern(p), false, p);
    }
  });
});

describe('evaluateTrust', () => {
  test('deny by default', () => {
    denied(
      evaluateTrust([], query(PLANNER, WORKER)),
      `no trust rule allows \`${PLANNER}\` to delegate to \`${WORKER}\``,
    );
  });

  test('a rule applies only when both patterns match', () => {
    const rules: TrustRule[] = [
      { id: 'planner-to-workers', from: PLANNER, to: 'spiffe://example.org/agent/worker/*' },
    ];
    const ok = evaluateTrust(rules, query(PLANNER, WORKER));
    assert.deepEqual(ok, { allowed: true, rule: rules[0] });
    denied(evaluateTrust(rules, query(WORKER, PLANNER)), 'no trust rule allows');
    denied(
      evaluateTrust(rules, query('spiffe://example.org/agent/other', WORKER)),
      'no trust rule allows',
    );
  });

  test('`*` on both sides allows any local pair and no foreign one', () => {
    const rules: TrustRule[] = [{ id: 'local', from: '*', to: '*' }];
    assert.equal(evaluateTrust(rules, query(PLANNER, WORKER)).allowed, true);
    denied(evaluateTrust(rules, query(PLANNER, PARTNER)), 'no trust rule allows');
    denied(evaluateTrust(rules, query(PARTNER, PLANNER)), 'no trust rule allows');
  });

  test('delegating to another trust domain needs crossDomain', () => {
    denied(
      evaluateTrust(
        [{ id: 'to-partner', from: PLANNER, to: 'spiffe://partner.net/agent/*' }],
        query(PLANNER, PARTNER),
      ),
      'trust rule `to-partner` does not allow delegation across trust domains',
    );
    denied(
      evaluateTrust(
        [
          {
            id: 'to-partner',
            from: PLANNER,
            to: 'spiffe://partner.net/agent/*',
            crossDomain: false,
          },
        ],
        query(PLANNER, PARTNER),
      ),
      'across trust domains',
    );
    const ok = evaluateTrust(
      [{ id: 'to-partner', from: PLANNER, to: 'spiffe://partner.net/agent/*', crossDomain: true }],
      query(PLANNER, PARTNER),
    );
    assert.equal(ok.allowed, true);
  });

  test('a foreign delegator crosses domains too', () => {
    denied(
      evaluateTrust([{ id: 'from-partner', from: PARTNER, to: '*' }], query(PARTNER, WORKER)),
      'trust rule `from-partner` does not allow delegation across trust domains',
    );
    assert.equal(
      evaluateTrust(
        [{ id: 'from-partner', from: PARTNER, to: '*', crossDomain: true }],
        query(PARTNER, WORKER),
      ).allowed,
      true,
    );
  });

  test('maxDepth refuses deeper delegations, naming the rule and its limit', () => {
    const rules: TrustRule[] = [{ id: 'shallow', from: '*', to: '*', maxDepth: 2 }];
    assert.equal(evaluateTrust(rules, query(PLANNER, WORKER, 2)).allowed, true);
    denied(
      evaluateTrust(rules, query(PLANNER, WORKER, 3)),
      'trust rule `shallow` allows delegation only up to depth 2, and this delegation would be at depth 3',
    );
  });

  test('a later rule can allow what an earlier one refused; the first refusal is reported otherwise', () => {
    const rules: TrustRule[] = [
      { id: 'shallow', from: '*', to: '*', maxDepth: 1 },
      { id: 'deep-for-planner', from: PLANNER, to: '*', maxDepth: 4 },
    ];
    const ok = evaluateTrust(rules, query(PLANNER, WORKER, 3));
    assert.ok(ok.allowed);
    assert.equal(ok.rule.id, 'deep-for-planner');
    denied(evaluateTrust(rules, query(PLANNER, WORKER, 5)), 'trust rule `shallow`');
  });

  test('a malformed maxDepth refuses', () => {
    denied(
      evaluateTrust(
        [{ id: 'bad', from: '*', to: '*', maxDepth: Number.NaN }],
        query(PLANNER, WORKER),
      ),
      'trust rule `bad`',
    );
  });

  test('user input in messages is escaped', () => {
    denied(evaluateTrust([], query('a\nb', WORKER)), '`a\\u{a}b`');
  });
});

describe('validateTrustRule', () => {
  const invalid = (input: unknown, field: string): void => {
    assert.throws(
      () => validateTrustRule(input),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'invalid_request' &&
        err.message.includes(`\`${field}\``),
    );
  };

  test('accepts valid rules and keeps only the given fields', () => {
    assert.deepEqual(
      validateTrustRule({ id: 'r', from: '*', to: 'spiffe://example.org/agent/*' }),
      { id: 'r', from: '*', to: 'spiffe://example.org/agent/*' },
    );
    assert.deepEqual(
      validateTrustRule({ id: 'r', from: PLANNER, to: PARTNER, maxDepth: 2, crossDomain: true }),
      { id: 'r', from: PLANNER, to: PARTNER, maxDepth: 2, crossDomain: true },
    );
  });

  test('rejects bad patterns, fields and types', () => {
    invalid({ id: 'r', from: 'spiffe://*', to: '*' }, 'from');
    invalid({ id: 'r', from: '*', to: 'spiffe://example.org/agent*' }, 'to');
    invalid({ id: 'r', from: '*', to: 'example.org' }, 'to');
    invalid({ id: '', from: '*', to: '*' }, 'id');
    invalid({ from: '*', to: '*' }, 'id');
    invalid({ id: 'r', from: '*', to: '*', maxDepth: 0 }, 'maxDepth');
    invalid({ id: 'r', from: '*', to: '*', maxDepth: 1.5 }, 'maxDepth');
    invalid({ id: 'r', from: '*', to: '*', crossDomain: 'yes' }, 'crossDomain');
    invalid({ id: 'r', from: '*', to: '*', effect: 'deny' }, 'effect');
    invalid(null, 'body');
  });
});
