import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MandateError } from '../core/errors.js';
import { toProblem } from './problem.js';

test('a problem document takes its status and title from the error registry', () => {
  const p = toProblem(new MandateError('invalid_grant', 'the subject token expired'), 'req-1');
  assert.deepEqual(
    { type: p.type, title: p.title, status: p.status, code: p.code, detail: p.detail },
    {
      type: 'https://mandate.dev/problems/invalid_grant',
      title: 'Invalid grant',
      status: 400,
      code: 'invalid_grant',
      detail: 'the subject token expired',
    },
  );
});

test('details never override the RFC 9457 members', () => {
  const p = toProblem(
    new MandateError('conflict', 'the policy set changed', {
      status: 200,
      title: 'ok',
      version: 3,
    }),
    'req-2',
  );
  assert.equal(p.status, 409);
  assert.equal(p.title, 'Conflict');
  assert.equal(p.version, 3);
});

test('anything that is not a MandateError is an internal error that says nothing about internals', () => {
  const p = toProblem(new Error('database file is locked at /var/lib/x'), 'req-3');
  assert.equal(p.code, 'internal');
  assert.equal(p.status, 500);
  assert.equal(p.title, 'Internal error');
  assert.doesNotMatch(p.detail, /database/);
});
