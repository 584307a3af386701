import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { openLoginState, safeReturnTo, sealLoginState, type LoginState } from './login-state.js';

const KEY = randomBytes(32);
const NOW = 1_790_000_000_000;
const STATE: LoginState = {
  state: 's-123',
  nonce: 'n-456',
  codeVerifier: 'v'.repeat(43),
  returnTo: '/inbox',
  expiresAt: NOW + 600_000,
};

describe('the sign-in state cookie', () => {
  test('round-trips until it expires', () => {
    const sealed = sealLoginState(KEY, STATE);
    assert.deepEqual(openLoginState(KEY, sealed, NOW), STATE);
    assert.deepEqual(openLoginState(KEY, sealed, NOW + 599_999), STATE);
    assert.equal(openLoginState(KEY, sealed, NOW + 600_000), undefined, 'expired (inclusive)');
  });

  test('any tampering is refused: an edited payload, a foreign signature, another key, junk', () => {
    const sealed = sealLoginState(KEY, STATE);
    const [body, sig] = sealed.split('.') as [string, string];
    const edited = Buffer.from(
      JSON.stringify({ ...STATE, returnTo: 'https://evil.example' }),
    ).toString('base64url');
    assert.equal(openLoginState(KEY, `${edited}.${sig}`, NOW), undefined);
    const longer = Buffer.from(JSON.stringify({ ...STATE, expiresAt: NOW + 10 ** 9 })).toString(
      'base64url',
    );
    assert.equal(
      openLoginState(KEY, `${longer}.${sig}`, NOW),
      undefined,
      'the expiry is signed too',
    );
    assert.equal(openLoginState(randomBytes(32), sealed, NOW), undefined);
    assert.equal(openLoginState(KEY, `${body}.${sig.slice(0, -1)}A`, NOW), undefined);
    assert.equal(openLoginState(KEY, `${body}.${sig}.x`, NOW), undefined);
    for (const junk of ['', '.', 'abc', `${body}.`, `.${sig}`, 'x'.repeat(3000)])
      assert.equal(openLoginState(KEY, junk, NOW), undefined, junk.slice(0, 20));
  });

  test('a well-signed payload of the wrong shape is refused', () => {
    const body = Buffer.from(
      JSON.stringify({
        state: 1,
        nonce: 'n',
        codeVerifier: 'v',
        returnTo: '/',
        expiresAt: NOW + 1,
      }),
    ).toString('base64url');
    const sig = createHmac('sha256', KEY).update(`mandate-login-state.${body}`).digest('base64url');
    assert.equal(openLoginState(KEY, `${body}.${sig}`, NOW), undefined);
  });

  test('return_to stays on this server: no other origin, no scheme-relative or backslash tricks', () => {
    assert.equal(safeReturnTo('/inbox?x=1', '/d'), '/inbox?x=1');
    for (const bad of [
      undefined,
      '',
      'inbox',
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      `/${'a'.repeat(600)}`,
    ]) {
      assert.equal(safeReturnTo(bad, '/d'), '/d', String(bad));
    }
  });
});
