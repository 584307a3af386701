import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { signWebhook, verifyWebhook } from './webhook-signature.js';

const SECRET = 'whsec-unit-0123456789abcdef';
const BODY = '{"id":"evt_1","type":"approval.requested","data":{"id":"apr_1"}}';
const T = 1_790_000_000;

describe('webhook signatures (Mandate-Signature)', () => {
  test('t=<unix>,v1=<hex HMAC-SHA256 of "t.body">, as a receiver recomputes it with node:crypto alone', () => {
    const header = signWebhook(SECRET, BODY, T);
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    assert.equal(header, `t=${T},v1=${expected}`);
    assert.deepEqual(verifyWebhook(SECRET, BODY, header, T + 10), { ok: true, timestamp: T });
  });

  test('a changed body, another secret, a changed timestamp or a truncated signature does not verify', () => {
    const header = signWebhook(SECRET, BODY, T);
    assert.deepEqual(verifyWebhook(SECRET, BODY.replace('apr_1', 'apr_2'), header, T), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(verifyWebhook('another-secret-0123456789', BODY, header, T), {
      ok: false,
      reason: 'bad_signature',
    });
    assert.deepEqual(
      verifyWebhook(SECRET, BODY, header.replace(`t=${T}`, `t=${T + 1}`), T),
      { ok: false, reason: 'bad_signature' },
      'the timestamp is signed',
    );
    assert.deepEqual(verifyWebhook(SECRET, BODY, header.slice(0, -2), T), {
      ok: false,
      reason: 'malformed',
    });
    assert.deepEqual(
      verifyWebhook(SECRET, `${BODY} `, header, T),
      { ok: false, reason: 'bad_signature' },
      'the raw body, byte for byte',
    );
  });

  test('an old (or future) timestamp is refused even with a good signature: a captured delivery cannot be replayed later', () => {
    const header = signWebhook(SECRET, BODY, T);
    assert.deepEqual(verifyWebhook(SECRET, BODY, header, T + 301), {
      ok: false,
      reason: 'too_old',
    });
    assert.deepEqual(verifyWebhook(SECRET, BODY, header, T - 301), {
      ok: false,
      reason: 'too_old',
    });
    assert.equal(
      verifyWebhook(SECRET, BODY, header, T + 3600, 7200).ok,
      true,
      "the tolerance is the receiver's choice",
    );
  });

  test('malformed headers are refused, not guessed at; any v1 entry may match (secret rotation)', () => {
    for (const bad of [
      undefined,
      '',
      'v1=abc',
      `t=${T}`,
      `t=abc,v1=${'0'.repeat(64)}`,
      'x'.repeat(5000),
    ]) {
      assert.deepEqual(
        verifyWebhook(SECRET, BODY, bad, T),
        { ok: false, reason: 'malformed' },
        String(bad).slice(0, 40),
      );
    }
    const good = signWebhook(SECRET, BODY, T).split('v1=')[1]!;
    assert.equal(verifyWebhook(SECRET, BODY, `t=${T},v1=${'0'.repeat(64)},v1=${good}`, T).ok, true);
    assert.deepEqual(verifyWebhook(SECRET, BODY, `t=${T},v1=${'0'.repeat(64)}`, T), {
      ok: false,
      reason: 'bad_signature',
    });
  });
});
