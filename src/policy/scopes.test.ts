import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { covers, MAX_SCOPE_TOKEN_LENGTH, scopeTokenProblem } from '../delegation/scope.js';
import { grantScopes } from './scopes.js';

const token = fc.string({
  unit: fc.constantFrom('t', 'o', 'l', ':', 'g', '/', 'x'),
  minLength: 1,
  maxLength: 12,
});
const granted = fc.tuple(token, fc.boolean()).map(([t, star]) => (star ? `${t.slice(0, -1)}*` : t));

test('grantScopes(s) contains exactly the tokens that cover s (delegation/scope.ts `covers`)', () => {
  fc.assert(
    fc.property(token, granted, (scope, g) => {
      assert.equal(scopeTokenProblem(g), undefined);
      assert.equal(grantScopes(scope).includes(g), covers(g, scope));
    }),
    { numRuns: 2000 },
  );
});

test('grantScopes of a long target stays bounded and still matches every issuable token', () => {
  const long = `resource:docs/file:///${'a'.repeat(100_000)}`;
  const g = grantScopes(long);
  assert.equal(
    g.length,
    MAX_SCOPE_TOKEN_LENGTH,
    'the wildcards of the first 255 prefixes, no exact token (too long to be issued)',
  );
  assert.ok(g.every((t) => scopeTokenProblem(t) === undefined));
  assert.ok(g.includes('resource:docs/*'));
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
      const prefix = long.slice(0, n);
      const wildcard = `${prefix}*`;
      assert.equal(
        g.includes(wildcard),
        scopeTokenProblem(wildcard) === undefined,
        `the wildcard of a ${n}-character prefix is in the list exactly when it can be issued`,
      );
    }),
  );
});

test('grantScopes lists the tool scope and every wildcard above it', () => {
  assert.deepEqual(grantScopes('tool:a'), [
    'tool:a',
    '*',
    't*',
    'to*',
    'too*',
    'tool*',
    'tool:*',
    'tool:a*',
  ]);
});
