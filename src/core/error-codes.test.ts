import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RequestVerificationError, type RequestVerificationCode } from '../protocol/errors.js';
import {
  ERROR_CODES,
  isErrorCode,
  oauthErrorOf,
  statusOf,
  titleOf,
  type ErrorCode,
  type ErrorCodeInfo,
} from './error-codes.js';

describe('error registry', () => {
  test('every code has an error status, a short title and a standard error in snake case', () => {
    for (const [code, e] of Object.entries(ERROR_CODES) as [ErrorCode, ErrorCodeInfo][]) {
      assert.match(code, /^[a-z]+(_[a-z]+)*$/, code);
      assert.ok(Number.isInteger(e.status) && e.status >= 400 && e.status < 600, code);
      assert.match(e.title, /^[A-Z][^.]{2,40}$/, code);
      assert.ok(e.usedBy.length > 0, code);
      if (e.standard) {
        assert.match(e.standard.error, /^[a-z]+(_[a-z]+)*$/, code);
        assert.match(e.standard.rfc, /^RFC \d+ §/, code);
        assert.notEqual(
          e.standard.oauthStatus,
          e.status,
          `${code}: oauthStatus only when it differs`,
        );
      }
    }
  });

  test('statusOf and titleOf read the table', () => {
    assert.equal(statusOf('not_found'), 404);
    assert.equal(statusOf('route_not_allowed'), 403);
    assert.equal(titleOf('invalid_grant'), 'Invalid grant');
    assert.ok(isErrorCode('rate_limited'));
    assert.ok(!isErrorCode('toString'));
  });

  test('RFC 9449: a DPoP proof error is 401 at a protected resource (§7.1, §9) and 400 at the token endpoint (§5, §8)', () => {
    for (const code of ['invalid_dpop_proof', 'use_dpop_nonce'] as const) {
      assert.equal(statusOf(code), 401);
      assert.deepEqual(oauthErrorOf(code), { error: code, status: 400 });
    }
  });

  test('at the OAuth endpoints a code is its standard error, and invalid_request (400) without one', () => {
    const cases: [ErrorCode, string, number][] = [
      ['invalid_request', 'invalid_request', 400],
      ['invalid_client', 'invalid_client', 401],
      ['invalid_grant', 'invalid_grant', 400],
      ['invalid_target', 'invalid_target', 400],
      ['invalid_token', 'invalid_token', 401],
      ['unauthorized', 'invalid_client', 401],
      ['forbidden', 'invalid_client', 401],
      ['unavailable', 'temporarily_unavailable', 503],
      ['internal', 'server_error', 500],
      ['not_found', 'invalid_request', 400],
      ['agent_inactive', 'invalid_request', 400],
      ['credential_unavailable', 'invalid_request', 400],
    ];
    for (const [code, error, status] of cases)
      assert.deepEqual(oauthErrorOf(code), { error, status }, code);
  });

  test("the protocol module's refusals (which the SDK uses without core) have the registry's statuses", () => {
    // Every code of the union, or this does not typecheck.
    const all: Record<RequestVerificationCode, true> = {
      missing_token: true,
      invalid_request: true,
      invalid_token: true,
      invalid_dpop_proof: true,
      use_dpop_nonce: true,
      insufficient_scope: true,
    };
    const codes = Object.keys(all) as RequestVerificationCode[];
    for (const code of codes)
      assert.equal(new RequestVerificationError(code, 'x', 'Bearer').status, statusOf(code), code);
  });
});
