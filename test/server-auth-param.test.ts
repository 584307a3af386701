// The server builds WWW-Authenticate challenges without importing the SDK (test/architecture.test.ts),
// so it has its own quoting helper; the two must quote alike, or one layer's challenge can be
// shaped by input the other refuses. Also: an OAuth endpoint's invalid_token challenge built from
// an error message quotes it under RFC 6750 §3 (a `€` once made Node refuse the header: HTTP 500).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import * as sdk from '../src/sdk/auth-param.js';
import * as server from '../src/server/auth-param.js';
import { sendOAuthError } from '../src/server/problem.js';
import { MandateError } from '../src/core/errors.js';
import { parseChallenges } from './e2e/attacks/challenge.js';

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.string({ maxLength: 400 }),
);

describe('server and sdk auth-param quoting agree', () => {
  test('quotedString: the same output for any string', () => {
    fc.assert(
      fc.property(anyString, (s) => server.quotedString(s) === sdk.quotedString(s)),
      { numRuns: 2000 },
    );
  });
  test('quotedDescription: the same output for any string', () => {
    fc.assert(
      fc.property(anyString, (s) => server.quotedDescription(s) === sdk.quotedDescription(s)),
      { numRuns: 2000 },
    );
  });
});

describe('sendOAuthError invalid_token challenge', () => {
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    app = Fastify();
    app.get('/t', (request, reply) => {
      const message = String((request.query as { m?: string }).m);
      return sendOAuthError(reply, request, new MandateError('invalid_token', message));
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  for (const m of ['bad € token', 'a"b\\c, error="x"', 'line\u0001ctl', 'é'.repeat(1000)]) {
    test(`a message ${JSON.stringify(m.slice(0, 20))} gives a 401 with one well-formed challenge`, async () => {
      const res = await fetch(`${base}/t?m=${encodeURIComponent(m)}`);
      assert.equal(res.status, 401);
      const header = res.headers.get('www-authenticate') ?? '';
      const challenges = parseChallenges(header);
      assert.equal(challenges.length, 1, header);
      assert.deepEqual([...challenges[0]!.params.keys()].sort(), ['error', 'error_description']);
      assert.equal(challenges[0]!.params.get('error'), 'invalid_token');
      assert.equal(
        header,
        `Bearer error="invalid_token", error_description=${sdk.quotedDescription(m)}`,
      );
    });
  }
});
