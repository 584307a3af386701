import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { MandateError } from './errors.js';
import { firstIssue, parseInput } from './validation.js';

const schema = z.strictObject({
  items: z.array(z.strictObject({ name: z.string().min(1, 'must not be empty') })),
});

const refusal = (input: unknown): { message: string; field: unknown } => {
  try {
    parseInput(schema, input);
  } catch (err) {
    assert.ok(err instanceof MandateError && err.code === 'invalid_request');
    return { message: err.message, field: err.details?.field };
  }
  throw new Error('accepted');
};

test('a refused body names the field as `key[0].sub`, an unknown key as the field itself, and the whole body as `body`', () => {
  assert.deepEqual(refusal({ items: [{ name: 'a' }, { name: '' }] }), {
    message: '`items[1].name` must not be empty',
    field: 'items[1].name',
  });
  assert.deepEqual(refusal({ items: [{ name: 'a', nmae: 'b' }] }), {
    message: '`items[0].nmae` is not a known field',
    field: 'items[0].nmae',
  });
  assert.deepEqual(refusal({ items: [], extra: 1 }), {
    message: '`extra` is not a known field',
    field: 'extra',
  });
  assert.match(refusal([]).message, /^`body` /);
});

test('a configuration names the field under its setting', () => {
  const parsed = schema.safeParse({ items: [{ name: 7 }] });
  assert.ok(!parsed.success);
  assert.deepEqual(firstIssue(parsed.error, 'proxy'), {
    field: 'proxy.items[0].name',
    problem: 'invalid input: expected string, received number',
  });
});
