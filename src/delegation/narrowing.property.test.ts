/**
 * Property tests for the grant narrowing rule (narrowing.ts): whatever change is asked, a result
 * it accepts never widens. The oracle is independent of `covers`: a concrete tool name is
 * allowed by a scope list when some entry equals it or is a prefix wildcard of it, checked over a
 * set of witness names; the expiry by plain comparison.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { narrowTerms } from './narrowing.js';

const SCOPES = [
  '*',
  'tool:*',
  'tool:mail/*',
  'tool:mail/read',
  'tool:mail/send',
  'tool:mail/admin/*',
  'tool:mail/admin/purge',
  'tool:cal/*',
  'tool:cal/read',
  'read',
];
const WITNESSES = [
  'tool:mail/read',
  'tool:mail/send',
  'tool:mail/admin/purge',
  'tool:mail/admin/x',
  'tool:mailbox',
  'tool:cal/read',
  'tool:cal/write',
  'tool:other',
  'read',
  'write',
];

const allows = (list: readonly string[], name: string) =>
  list.some((s) => s === name || (s.endsWith('*') && name.startsWith(s.slice(0, -1))));
const NOW = 1_000_000;

const terms = fc.record({
  scopes: fc.uniqueArray(fc.constantFrom(...SCOPES), { minLength: 1, maxLength: 4 }),
  expiresAt: fc.integer({ min: NOW + 1, max: NOW + 10_000 }),
});
const change = fc.record({
  scopes: fc.option(fc.array(fc.constantFrom(...SCOPES), { maxLength: 5 }), { nil: undefined }),
  expiresAt: fc.option(fc.integer({ min: NOW - 100, max: NOW + 20_000 }), { nil: undefined }),
});

describe('grant narrowing', () => {
  test('an accepted narrowing never allows a name the grant did not, nor lasts longer', () => {
    fc.assert(
      fc.property(terms, change, (current, asked) => {
        const r = narrowTerms(current, asked, NOW);
        if (!r.ok) return;
        for (const w of WITNESSES)
          if (allows(r.terms.scopes, w))
            assert.ok(
              allows(current.scopes, w),
              `${w} allowed after narrowing ${JSON.stringify(current.scopes)} to ${JSON.stringify(r.terms.scopes)}`,
            );
        assert.ok(r.terms.expiresAt <= current.expiresAt);
        assert.ok(r.terms.expiresAt > NOW);
        assert.ok(r.terms.scopes.length > 0);
      }),
      { numRuns: 2000 },
    );
  });

  test('asking for anything outside the grant is refused, naming it', () => {
    fc.assert(
      fc.property(terms, fc.constantFrom(...SCOPES), (current, extra) => {
        const r = narrowTerms(current, { scopes: [...current.scopes, extra] }, NOW);
        // `extra` widens exactly when some witness it allows is not allowed by the grant, or it is a wildcard no grant entry covers.
        const covered = current.scopes.some(
          (s) => s === extra || (s.endsWith('*') && extra.startsWith(s.slice(0, -1))),
        );
        assert.equal(r.ok, covered, JSON.stringify({ current: current.scopes, extra, r }));
        if (!r.ok) assert.match(r.message, new RegExp(`\`${extra.replace(/[*]/g, '\\*')}\``));
      }),
      { numRuns: 1000 },
    );
  });

  test('a later expiry, a past one, or no scope at all is refused', () => {
    const current = { scopes: ['tool:mail/*'], expiresAt: NOW + 1000 };
    assert.deepEqual(narrowTerms(current, { expiresAt: NOW + 1001 }, NOW).ok, false);
    assert.deepEqual(narrowTerms(current, { expiresAt: NOW }, NOW).ok, false);
    assert.deepEqual(narrowTerms(current, { scopes: [] }, NOW).ok, false);
    const bad = narrowTerms(current, { scopes: ['tool:"mail"'] }, NOW);
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error, 'invalid_scope');
  });

  test('the same terms are no narrowing; fewer scopes or less time are', () => {
    const current = { scopes: ['tool:mail/read', 'tool:mail/send'], expiresAt: NOW + 1000 };
    assert.deepEqual(narrowTerms(current, {}, NOW), { ok: true, terms: current, narrowed: false });
    assert.deepEqual(narrowTerms(current, { scopes: ['tool:mail/send', 'tool:mail/read'] }, NOW), {
      ok: true,
      terms: { scopes: ['tool:mail/send', 'tool:mail/read'], expiresAt: NOW + 1000 },
      narrowed: false,
    });
    assert.equal(
      (narrowTerms(current, { scopes: ['tool:mail/read'] }, NOW) as { narrowed: boolean }).narrowed,
      true,
    );
    assert.equal(
      (narrowTerms(current, { expiresAt: NOW + 999 }, NOW) as { narrowed: boolean }).narrowed,
      true,
    );
    assert.equal(
      (
        narrowTerms(
          { scopes: ['tool:mail/*'], expiresAt: NOW + 5 },
          { scopes: ['tool:mail/read'] },
          NOW,
        ) as { narrowed: boolean }
      ).narrowed,
      true,
      'a plain scope under a wildcard is narrower',
    );
  });
});
