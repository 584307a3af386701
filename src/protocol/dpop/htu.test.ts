// RFC 9449 §4.3 step 9: the `htu` normalizer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeHtu } from './htu.js';

test('normalizeHtu: scheme and host case, default port, dot segments, unreserved escapes; query and fragment dropped', () => {
  assert.equal(
    normalizeHtu('HTTPS://Tools.Example.ORG:443/a/./b/../c?x=1#f'),
    'https://tools.example.org/a/c',
  );
  assert.equal(normalizeHtu('https://tools.example.org'), 'https://tools.example.org/');
  assert.equal(
    normalizeHtu('https://tools.example.org/%7euser/%2f'),
    'https://tools.example.org/~user/%2F',
  );
  assert.equal(
    normalizeHtu('https://tools.example.org:8443/x'),
    'https://tools.example.org:8443/x',
  );
  for (const bad of ['ftp://x/', 'not a url', 'https://x/\n', '/relative'])
    assert.equal(normalizeHtu(bad), undefined, bad);
});
