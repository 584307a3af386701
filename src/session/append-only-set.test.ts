import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppendOnlySet } from './append-only-set.js';

test('with returns a new version and leaves the old one as it was', () => {
  const a = AppendOnlySet.empty().with('x');
  const b = a.with('y');
  assert.deepEqual(a.values(), ['x']);
  assert.deepEqual(b.values(), ['x', 'y']);
  assert.equal(b.with('x'), b, 'adding a member is a no-op');
  assert.ok(!a.has('y') && b.has('y'));
  assert.deepEqual([...b], ['x', 'y']);
  assert.equal(JSON.stringify(b), '["x","y"]');
});

test('a branch from an older version gets its own log', () => {
  const a = AppendOnlySet.empty().with('x');
  const b = a.with('y');
  const c = a.with('z');
  assert.deepEqual(c.values(), ['x', 'z']);
  assert.deepEqual(b.with('w').values(), ['x', 'y', 'w']);
  assert.deepEqual(c.with('y').values(), ['x', 'z', 'y']);
  assert.ok(!c.has('y') && !b.has('z'));
});

test('every version behaves like an immutable insertion-ordered set', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'))),
      (ops) => {
        const versions: { set: AppendOnlySet; model: string[] }[] = [
          { set: AppendOnlySet.empty(), model: [] },
        ];
        for (const [pick, value] of ops) {
          const from = versions[pick % versions.length]!;
          versions.push({
            set: from.set.with(value),
            model: from.model.includes(value) ? from.model : [...from.model, value],
          });
        }
        for (const { set, model } of versions) {
          assert.deepEqual(set.values(), model);
          assert.equal(set.size, model.length);
          for (const v of ['a', 'b', 'c', 'd', 'e', 'f'])
            assert.equal(set.has(v), model.includes(v));
        }
      },
    ),
  );
});
