import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { covers, scopeTokenProblem } from '../delegation/scope.js';
import { grantScopes } from './scopes.js';

const token = fc.string({ unit: fc.constantFrom('t', 'o', 'l', ':', 'g', '/', 'x'), minLength: 1, maxLength: 12 });
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

test('grantScopes lists the tool scope and every wildcard above it', () => {
  assert.deepEqual(grantScopes('tool:a'), ['tool:a', '*', 't*', 'to*', 'too*', 'tool*', 'tool:*', 'tool:a*']);
});
