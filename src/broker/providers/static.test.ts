import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../../core/errors.js';
import { staticCredential } from './static.js';

const ref = { id: 'k', version: 3 };
const secret = (value: string) => ({ value, ref });
const refusedWithout = (fn: () => unknown, value: string) =>
  assert.throws(
    fn,
    (err: unknown) =>
      err instanceof MandateError &&
      err.code === 'credential_unavailable' &&
      !err.message.includes(value) &&
      err.details?.secret === 'k',
  );

describe('static credentials', () => {
  test('bearer, custom header, query parameter; the secret reference travels, surrounding whitespace does not', () => {
    assert.deepEqual(
      staticCredential({ provider: 'static', secret: 'k', as: 'bearer' }, secret('tok-123\n')),
      { headers: { authorization: 'Bearer tok-123' }, secretRef: ref },
    );
    assert.deepEqual(
      staticCredential(
        { provider: 'static', secret: 'k', as: 'header', header: 'X-Api-Key' },
        secret('key-1'),
      ),
      { headers: { 'x-api-key': 'key-1' }, secretRef: ref },
    );
    assert.deepEqual(
      staticCredential(
        { provider: 'static', secret: 'k', as: 'query', param: 'api_key' },
        secret('key-2\n'),
      ),
      { headers: {}, query: { api_key: 'key-2' }, secretRef: ref },
    );
  });

  test('basic auth from `user:pass` or JSON {username, password} (RFC 7617)', () => {
    const basic = (v: string) =>
      staticCredential({ provider: 'static', secret: 'k', as: 'basic' }, secret(v)).headers
        .authorization;
    assert.equal(
      basic('alice:pa:ss\n'),
      `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`,
      'only the first colon splits',
    );
    assert.equal(
      basic('{"username":"bob","password":"p w"}'),
      `Basic ${Buffer.from('bob:p w').toString('base64')}`,
    );
    assert.equal(
      basic('{"username":"josé","password":"ü"}'),
      `Basic ${Buffer.from('josé:ü', 'utf8').toString('base64')}`,
    );
  });

  test('a value that cannot be sent safely is refused without quoting it', () => {
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'bearer' },
          secret('abc\r\nX-Evil: 1'),
        ),
      'X-Evil',
    );
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'header', header: 'x-k' },
          secret('abc\u0000def'),
        ),
      'def',
    );
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'basic' },
          secret('no-colon-secret'),
        ),
      'no-colon-secret',
    );
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'basic' },
          secret(':only-password'),
        ),
      'only-password',
    );
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'basic' },
          secret('{"username":"a:b","password":"pw-secret"}'),
        ),
      'pw-secret',
    );
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'basic' },
          secret('{"username":"a","password":"x\ny-secret"}'),
        ),
      'y-secret',
    );
    refusedWithout(
      () =>
        staticCredential(
          { provider: 'static', secret: 'k', as: 'basic' },
          secret('{not json secret'),
        ),
      'not json',
    );
  });
});
