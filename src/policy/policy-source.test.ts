import assert from 'node:assert/strict';
import { test } from 'node:test';
import { positionAt, splitPolicies } from './policy-source.js';

test('positionAt maps UTF-8 byte offsets to 1-based line and code-point column', () => {
  const text = '// é😀\npermit(x)';
  assert.deepEqual(positionAt(text, 0), { line: 1, column: 1 });
  // "// é😀\n" is 3 + 2 + 4 + 1 = 10 bytes: byte 10 is the `p` on line 2.
  assert.deepEqual(positionAt(text, 10), { line: 2, column: 1 });
  assert.deepEqual(positionAt(text, 5), { line: 1, column: 5 }); // the emoji starts at byte 5
  assert.deepEqual(positionAt('a\r\nbc', 4), { line: 2, column: 2 });
});

test('splitPolicies ends a policy only at a `;` outside strings and comments', () => {
  const text = [
    '// header; not a policy',
    '@id("a;b") permit(principal, action, resource) when { "x;\\"y;" == "q" };',
    '',
    '  // before b; still a comment',
    '  forbid(principal, action, resource); // trailing; comment',
    '',
  ].join('\n');
  const chunks = splitPolicies(text);
  assert.equal(chunks.length, 2);
  assert.match(chunks[0]!.text, /^\/\/ header; not a policy\n@id\("a;b"\) permit/);
  assert.deepEqual(chunks[0]!.position, { line: 2, column: 1 });
  assert.ok(chunks[1]!.text.trimStart().startsWith('// before b'));
  assert.deepEqual(chunks[1]!.position, { line: 5, column: 3 });
  assert.equal(
    Buffer.from(text).subarray(chunks[1]!.byteOffset).toString().slice(0, chunks[1]!.text.length),
    chunks[1]!.text,
  );
});
