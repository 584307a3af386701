// RFC 7235 §2.1 / RFC 6750 §2.1 / RFC 9449 §7.1: the one reader of Authorization headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerToken, readAuthorization } from './authorization-header.js';

test('one Bearer or DPoP credential, the scheme in any case, from Node headers or fetch Headers', () => {
  assert.deepEqual(readAuthorization({ authorization: 'Bearer a.b-c_d~e+f/g==' }), {
    scheme: 'Bearer',
    token: 'a.b-c_d~e+f/g==',
  });
  assert.deepEqual(readAuthorization({ Authorization: ['dpop  t0k'] }), {
    scheme: 'DPoP',
    token: 't0k',
  });
  assert.deepEqual(readAuthorization(new Headers({ authorization: 'BEARER x' })), {
    scheme: 'Bearer',
    token: 'x',
  });
});

test('none, or another scheme, is missing_token; two headers or a malformed credential is invalid_request', () => {
  const problem = (h: Record<string, string | string[]>) => {
    const r = readAuthorization(h);
    return 'problem' in r ? r.problem : 'ok';
  };
  assert.equal(problem({}), 'missing_token');
  assert.equal(problem({ authorization: 'Basic YTpi' }), 'missing_token');
  assert.equal(problem({ authorization: ['Bearer a', 'Bearer b'] }), 'invalid_request');
  assert.equal(problem({ authorization: 'Bearer a, DPoP b' }), 'invalid_request');
  assert.equal(problem({ authorization: 'Bearer a b' }), 'invalid_request');
  assert.equal(problem({ authorization: 'Bearer' }), 'invalid_request');
  assert.equal(problem({ authorization: 'Bearer\ta' }), 'missing_token');
  assert.equal(problem({ authorization: 'Bearer "quoted"' }), 'invalid_request');
});

test('bearerToken: the token of a lone `Bearer <token68>`, else undefined', () => {
  assert.equal(bearerToken('bearer madm_x-y'), 'madm_x-y');
  for (const value of [undefined, ['Bearer a'], 'DPoP a', 'Bearer', 'Bearer a b', 'Bearer a,b'])
    assert.equal(bearerToken(value), undefined, String(value));
});
