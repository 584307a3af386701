import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MandateError } from '../core/errors.js';
import { flattenArguments, MAX_ARGUMENT_DEPTH, MAX_ARGUMENT_PATHS } from './arguments.js';

test('flattenArguments joins paths with dots and turns values into strings', () => {
  assert.deepEqual(
    flattenArguments({
      to: 'a@x.com',
      cc: ['b@y.com'],
      opts: { n: 2, html: false, reply: null },
      empty: {},
    }),
    {
      to: 'a@x.com',
      'cc.0': 'b@y.com',
      'opts.n': '2',
      'opts.html': 'false',
      'opts.reply': 'null',
    },
  );
});

test('flattenArguments fails closed instead of dropping what a policy might read', () => {
  const refused = (args: unknown, message: RegExp) =>
    assert.throws(
      () => flattenArguments(args),
      (e: unknown) =>
        e instanceof MandateError && e.code === 'invalid_request' && message.test(e.message),
    );
  refused([1], /JSON object/);
  refused('x', /JSON object/);
  refused({ 'a.b': '1', a: { b: '2' } }, /`a\.b` has two values/);
  refused({ n: Number.NaN }, /`n` is not a JSON value/);
  refused({ f: () => 1 }, /`f` is not a JSON value/);
  let deep: unknown = 'x';
  for (let i = 0; i <= MAX_ARGUMENT_DEPTH; i++) deep = { d: deep };
  refused(deep, /deeper than 16/);
  refused(
    Object.fromEntries(Array.from({ length: MAX_ARGUMENT_PATHS + 1 }, (_, i) => [`k${i}`, i])),
    /more than 1024/,
  );
  assert.deepEqual(flattenArguments({ 'a.b': '1', a: { b: '1' } }), { 'a.b': '1' });
});
