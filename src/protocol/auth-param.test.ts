// Every challenge Mandate builds quotes its values through auth-param.ts: no input can add a
// parameter, end the challenge or make Node refuse the header. Also: an OAuth endpoint's
// invalid_token challenge built from an error message quotes it under RFC 6750 §3 (a `€` once
// made Node refuse the header: HTTP 500).
import assert from 'node:assert/strict';
import { validateHeaderValue } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { MandateError } from '../core/errors.js';
import { sendOAuthError } from '../server/problem.js';
import { parseChallenges } from '../../test/e2e/attacks/challenge.js';
import { quotedDescription, quotedString } from './auth-param.js';

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.string({ maxLength: 400 }),
);

describe('auth-param quoting', () => {
  test('any string as a quoted-string or a description: one challenge, the same three params, a sendable header', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const header = `Bearer error="invalid_token", scope=${quotedString(a)}, error_description=${quotedDescription(b)}`;
        validateHeaderValue('www-authenticate', header);
        const challenges = parseChallenges(header);
        assert.equal(challenges.length, 1, header);
        assert.deepEqual(
          [...challenges[0]!.params.keys()],
          ['error', 'scope', 'error_description'],
        );
        assert.ok(
          [...quotedDescription(b)].length <= 302,
          'a description is at most 300 characters',
        );
      }),
      { numRuns: 2000 },
    );
  });
  test('a quoted-string keeps visible ASCII as it is: `"` and `\\` escaped, read back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...' !"#\\az~\t'), maxLength: 60 }), (s) => {
        const [c] = parseChallenges(`Bearer scope=${quotedString(s)}`);
        assert.equal(c!.params.get('scope'), s);
      }),
      { numRuns: 500 },
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
        `Bearer error="invalid_token", error_description=${quotedDescription(m)}`,
      );
    });
  }
});
