import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimRule } from '../../core/store/records.js';
import { findMatchingRule, resolveClaim, ruleMatches } from './claim-rules.js';

const k8s = {
  iss: 'https://kubernetes.default.svc',
  sub: 'system:serviceaccount:payments:invoice-bot',
  'kubernetes.io': { namespace: 'payments', serviceaccount: { name: 'invoice-bot', uid: 'u-1' } },
};

describe('resolveClaim', () => {
  it('walks nested objects through keys that contain dots', () => {
    assert.equal(resolveClaim(k8s, 'kubernetes.io.namespace'), 'payments');
    assert.equal(resolveClaim(k8s, 'kubernetes.io.serviceaccount.name'), 'invoice-bot');
    assert.equal(resolveClaim(k8s, 'sub'), k8s.sub);
  });

  it('prefers a literal top-level key containing dots over nesting', () => {
    assert.equal(resolveClaim({ 'a.b': 'literal', a: { b: 'nested' } }, 'a.b'), 'literal');
    assert.equal(resolveClaim({ a: { b: 'nested' } }, 'a.b'), 'nested');
  });

  it('falls back to a shorter key when the longer one does not lead anywhere', () => {
    assert.equal(resolveClaim({ 'a.b': 'scalar', a: { b: { c: 1 } } }, 'a.b.c'), 1);
  });

  it('never reaches the prototype and ignores paths that do not resolve', () => {
    assert.equal(resolveClaim(k8s, 'constructor'), undefined);
    assert.equal(resolveClaim(k8s, '__proto__'), undefined);
    assert.equal(resolveClaim(k8s, 'kubernetes.io.namespace.length'), undefined);
    assert.equal(resolveClaim(k8s, 'missing.path'), undefined);
    assert.equal(resolveClaim(k8s, ''), undefined);
    assert.equal(resolveClaim({ list: ['x'] }, 'list.0'), undefined);
  });
});

describe('findMatchingRule', () => {
  it('returns the first rule whose conditions all hold', () => {
    const rules: ClaimRule[] = [
      {
        match: {
          'kubernetes.io.namespace': 'payments',
          'kubernetes.io.serviceaccount.name': 'other',
        },
        agent: 'a',
      },
      { match: { 'kubernetes.io.namespace': 'payments' }, agent: 'b' },
      { match: { sub: k8s.sub }, agent: 'c' },
    ];
    assert.equal(findMatchingRule(rules, k8s)?.agent, 'b');
  });

  it('compares exactly, without type coercion', () => {
    assert.equal(ruleMatches({ match: { n: 1 }, agent: 'a' }, { n: '1' }), false);
    assert.equal(ruleMatches({ match: { ok: true }, agent: 'a' }, { ok: 'true' }), false);
    assert.equal(ruleMatches({ match: { ok: true, n: 1 }, agent: 'a' }, { ok: true, n: 1 }), true);
  });

  it('never matches a rule without conditions', () => {
    assert.equal(findMatchingRule([{ match: {}, agent: 'everyone' }], k8s), undefined);
  });
});
