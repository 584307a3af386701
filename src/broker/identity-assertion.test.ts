import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { MandateError } from '../core/errors.js';
import { brokerFixture, ISSUER, type BrokerFixture } from '../../test/e2e/broker/fixture.js';
import { actClaim, identityAssertionClaims } from './identity-assertion.js';

describe('identity assertion', () => {
  let f: BrokerFixture;
  before(async () => (f = await brokerFixture()));
  after(() => f.close());

  test('act nests actors outermost first (RFC 8693 §4.1)', () => {
    assert.equal(actClaim([]), undefined);
    assert.deepEqual(actClaim(['c', 'b', 'a']), { sub: 'c', act: { sub: 'b', act: { sub: 'a' } } });
  });

  test('a signed mandate-id+jwt with aud, sub, act, client_id, task, grant and txn, verifiable with the token key', async () => {
    const caller = f.caller({
      subject: 'alice@example.org',
      actors: ['spiffe://example.org/agent/beta', 'spiffe://example.org/agent/alpha'],
      agent: 'spiffe://example.org/agent/beta',
      grantId: 'grant-9',
    });
    const jwt = await f.broker.identityAssertion('https://api.internal.example.org', caller);
    assert.equal(decodeProtectedHeader(jwt).typ, 'mandate-id+jwt');
    const { payload } = await jwtVerify(jwt, await importJWK(f.publicJwk), {
      issuer: ISSUER,
      audience: 'https://api.internal.example.org',
      typ: 'mandate-id+jwt',
      currentDate: new Date(f.clock.now()),
    });
    const now = f.clock.now() / 1000;
    assert.equal(payload.sub, 'alice@example.org');
    assert.deepEqual(payload.act, {
      sub: 'spiffe://example.org/agent/beta',
      act: { sub: 'spiffe://example.org/agent/alpha' },
    });
    assert.equal(payload.client_id, 'spiffe://example.org/agent/beta');
    assert.equal(payload.task_id, 'task-1');
    assert.equal(payload.grant_id, 'grant-9');
    assert.equal(payload.txn, 'req-1');
    assert.equal(payload.iat, now);
    assert.equal(payload.exp, now + 60);
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    assert.notEqual(
      (await f.broker.identityAssertion('x', caller)).split('.')[1],
      jwt.split('.')[1],
      'a fresh jti every time',
    );
  });

  test("never outlives the caller's token, and is refused once it has expired", async () => {
    const caller = f.caller({}, 10);
    const { payload } = await jwtVerify(
      await f.broker.identityAssertion('svc', caller),
      await importJWK(f.publicJwk),
      { currentDate: new Date(f.clock.now()) },
    );
    assert.equal(payload.exp, caller.tokenExp);
    assert.equal(payload.act, undefined, 'a root task token has no act chain');
    assert.equal(payload.grant_id, undefined);
    await assert.rejects(
      f.broker.identityAssertion('svc', f.caller({}, 0)),
      (err: unknown) =>
        err instanceof MandateError &&
        err.code === 'credential_unavailable' &&
        err.details?.reason === 'caller_token_expired',
    );
    await assert.rejects(
      f.broker.identityAssertion('svc', f.caller({}, -5)),
      (err: unknown) => err instanceof MandateError && err.code === 'credential_unavailable',
    );
  });

  test('refuses an empty audience or an incomplete caller', () => {
    assert.throws(
      () => identityAssertionClaims(ISSUER, '', f.caller(), 0),
      (err: unknown) => err instanceof MandateError && err.code === 'invalid_config',
    );
    assert.throws(
      () => identityAssertionClaims(ISSUER, 'a', { ...f.caller(), subject: '' }, 0),
      (err: unknown) => err instanceof MandateError && err.code === 'invalid_request',
    );
  });
});
