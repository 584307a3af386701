import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MandateError } from '../core/errors.js';
import { createSealer } from '../identity/keys/sealing.js';
import { Envelope } from './envelope.js';

const VALUE = 'ghp_super-secret-value-0123456789';
const isInternal = (err: unknown) =>
  err instanceof MandateError && err.code === 'internal' && !err.message.includes(VALUE);

describe('envelope encryption', () => {
  const master = randomBytes(32);
  const envelope = new Envelope(master);

  test('round-trips, with a fresh data key and iv per seal', () => {
    const a = envelope.seal(VALUE, { id: 'gh', version: 1 });
    const b = envelope.seal(VALUE, { id: 'gh', version: 1 });
    assert.equal(envelope.open(a, { id: 'gh', version: 1 }), VALUE);
    assert.notEqual(a.wrappedKey, b.wrappedKey, 'each seal wraps its own data key');
    assert.notEqual(a.ciphertext, b.ciphertext);
    for (const part of [a.wrappedKey, a.ciphertext])
      assert.ok(!part.includes(VALUE) && !part.includes(Buffer.from(VALUE).toString('base64url')));
  });

  test('a sealed value does not open under another id or version (AAD binds the row)', () => {
    const sealed = envelope.seal(VALUE, { id: 'gh', version: 2 });
    assert.throws(() => envelope.open(sealed, { id: 'gh', version: 1 }), isInternal);
    assert.throws(() => envelope.open(sealed, { id: 'gl', version: 2 }), isInternal);
  });

  test('swapping the ciphertexts or the wrapped keys of two rows fails', () => {
    const one = envelope.seal('value one', { id: 'a', version: 1 });
    const two = envelope.seal('value two', { id: 'b', version: 1 });
    assert.throws(
      () =>
        envelope.open(
          { wrappedKey: one.wrappedKey, ciphertext: two.ciphertext },
          { id: 'a', version: 1 },
        ),
      isInternal,
    );
    assert.throws(
      () =>
        envelope.open(
          { wrappedKey: two.wrappedKey, ciphertext: one.ciphertext },
          { id: 'a', version: 1 },
        ),
      isInternal,
    );
    assert.throws(() => envelope.open(two, { id: 'a', version: 1 }), isInternal);
  });

  test('another master key cannot open it, nor can the master key used directly (the KEK is derived)', () => {
    const sealed = envelope.seal(VALUE, { id: 'gh', version: 1 });
    assert.throws(
      () => new Envelope(randomBytes(32)).open(sealed, { id: 'gh', version: 1 }),
      isInternal,
    );
    assert.throws(
      () => createSealer(master).open(sealed.wrappedKey, 'mandate:secret:gh:v1:data-key'),
      /cannot unseal/,
    );
  });

  test('a flipped bit anywhere is detected', () => {
    const sealed = envelope.seal(VALUE, { id: 'gh', version: 1 });
    const flip = (s: string, at: number) =>
      s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    assert.throws(
      () =>
        envelope.open(
          { ...sealed, ciphertext: flip(sealed.ciphertext, sealed.ciphertext.length - 3) },
          { id: 'gh', version: 1 },
        ),
      isInternal,
    );
    assert.throws(
      () =>
        envelope.open(
          { ...sealed, wrappedKey: flip(sealed.wrappedKey, 8) },
          { id: 'gh', version: 1 },
        ),
      isInternal,
    );
    assert.throws(
      () => envelope.open({ ...sealed, ciphertext: 'garbage' }, { id: 'gh', version: 1 }),
      isInternal,
    );
  });

  test('refuses a master key that is not 32 bytes', () => {
    assert.throws(
      () => new Envelope(randomBytes(16)),
      (err: unknown) => err instanceof MandateError && err.code === 'invalid_config',
    );
  });
});
