import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MandateError } from '../core/errors.js';
import { covers, formatScope, isSubset, narrow, parseScope, scopeTokenProblem } from './scope.js';

function rejects(input: string, reason: string): void {
  assert.throws(
    () => parseScope(input),
    (err: unknown) => {
      assert.ok(err instanceof MandateError);
      assert.equal(err.code, 'invalid_scope');
      assert.ok(
        err.message.includes(reason),
        `message \`${err.message}\` does not name \`${reason}\``,
      );
      return true;
    },
  );
}

describe('parseScope', () => {
  test('splits on spaces, dedupes, keeps first-seen order', () => {
    assert.deepEqual(parseScope('tool:github/create_issue tool:slack/* tool:github/create_issue'), [
      'tool:github/create_issue',
      'tool:slack/*',
    ]);
    assert.deepEqual(parseScope('  a   b '), ['a', 'b']);
    assert.deepEqual(parseScope(''), []);
    assert.deepEqual(parseScope('*'), ['*']);
  });

  test('accepts every printable ascii character except space, `"` and `\\`', () => {
    const allowed = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
      String.fromCharCode(0x21 + i),
    ).filter((c) => c !== '"' && c !== '\\' && c !== '*');
    assert.deepEqual(parseScope(allowed.join('')), [allowed.join('')]);
  });

  test('rejects disallowed characters', () => {
    rejects('tool:"x"', 'disallowed character `"`');
    rejects('tool:a\\b', 'disallowed character `\\`');
    rejects('tool:a\tb', 'disallowed character `\\u{9}`');
    rejects('tool:é', 'disallowed character `\\u{e9}`');
    rejects('a\nb', 'invalid scope `a\\u{a}b`');
    rejects('tool:\u202e', '\\u{202e}');
  });

  test('rejects `*` anywhere but last', () => {
    rejects('tool:*/x', '`*` is allowed only as the last character');
    rejects('**', '`*` is allowed only as the last character');
    rejects('ok *a', 'invalid scope `*a`');
  });

  test('enforces 1-256 characters', () => {
    assert.deepEqual(parseScope('a'.repeat(256)), ['a'.repeat(256)]);
    rejects('a'.repeat(257), 'exceeds 256 characters');
    assert.equal(scopeTokenProblem(''), 'scope token is empty');
  });

  test('names the bad token in details', () => {
    try {
      parseScope('good ba"d');
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(err instanceof MandateError);
      assert.deepEqual(err.details, { scope: 'ba"d' });
    }
  });

  test('round-trips through formatScope', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z:/_]{1,12}\*?$/)), (tokens) => {
        assert.deepEqual(parseScope(formatScope(tokens)).sort(), [...new Set(tokens)].sort());
      }),
    );
  });
});

describe('formatScope', () => {
  test('sorts and dedupes', () => {
    assert.equal(formatScope(['tool:b', 'tool:a', 'tool:b']), 'tool:a tool:b');
    assert.equal(formatScope([]), '');
  });
});

describe('covers', () => {
  test('equal tokens', () => {
    assert.equal(covers('tool:github/create_issue', 'tool:github/create_issue'), true);
    assert.equal(covers('tool:github/create_issue', 'tool:github/create_issues'), false);
  });

  test('a wildcard covers tokens with its prefix', () => {
    assert.equal(covers('tool:github/*', 'tool:github/create_issue'), true);
    assert.equal(covers('tool:github/*', 'tool:github/'), true);
    assert.equal(covers('tool:github/*', 'tool:github'), false);
    assert.equal(covers('tool:github/*', 'tool:githubx/create_issue'), false);
    assert.equal(covers('tool:*', 'tool:github/create_issue'), true);
    assert.equal(covers('tool:*', 'tools:x'), false);
    assert.equal(covers('*', 'anything'), true);
  });

  test('the prefix is plain text, not segments', () => {
    assert.equal(covers('tool:git*', 'tool:github/x'), true);
    assert.equal(covers('tool:git*', 'tool:gitlab/x'), true);
  });

  test('a requested wildcard needs a wildcard with a prefix of its prefix', () => {
    assert.equal(covers('tool:*', 'tool:github/*'), true);
    assert.equal(covers('tool:github/*', 'tool:github/*'), true);
    assert.equal(covers('tool:github/*', 'tool:*'), false);
    assert.equal(covers('tool:github/create_issue', 'tool:github/*'), false);
    assert.equal(covers('tool:github/*', 'tool:gitlab/*'), false);
    // `tool:github/*` names `tool:github/` too, which `tool:github/x*` does not cover.
    assert.equal(covers('tool:github/x*', 'tool:github/*'), false);
  });
});

describe('isSubset', () => {
  test('every requested token is covered by some granted token', () => {
    assert.equal(isSubset([], []), true);
    assert.equal(isSubset(['a'], []), false);
    assert.equal(
      isSubset(['tool:github/list', 'tool:slack/post'], ['tool:github/*', 'tool:slack/post']),
      true,
    );
    assert.equal(
      isSubset(['tool:github/list', 'tool:slack/read'], ['tool:github/*', 'tool:slack/post']),
      false,
    );
  });
});

describe('narrow', () => {
  test('undefined asks for all of granted', () => {
    assert.deepEqual(narrow(undefined, ['a', 'b*', 'a']), { scopes: ['a', 'b*'], widened: [] });
  });

  test('keeps covered requested tokens as requested and reports the rest', () => {
    assert.deepEqual(narrow(['tool:github/list', 'tool:slack/post', 'tool:*'], ['tool:github/*']), {
      scopes: ['tool:github/list'],
      widened: ['tool:slack/post', 'tool:*'],
    });
    assert.deepEqual(narrow([], ['a']), { scopes: [], widened: [] });
    assert.deepEqual(narrow(['a', 'a'], ['a']), { scopes: ['a'], widened: [] });
  });
});
