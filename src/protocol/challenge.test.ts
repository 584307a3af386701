// The challenges every enforcement point sends (RFC 6750 §3, RFC 9449 §7.1, RFC 9728 §5.1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { challenge } from './challenge.js';

describe('challenges', () => {
  const base = { dpopAlgorithms: ['ES256', 'EdDSA'], requireDpop: false };

  test('no credentials: every scheme, no error code (RFC 6750 §3.1)', () => {
    assert.equal(challenge(base), 'Bearer, DPoP algs="ES256 EdDSA"');
    assert.equal(
      challenge(base, { scheme: 'Bearer', code: 'missing_token', description: 'x' }),
      'Bearer, DPoP algs="ES256 EdDSA"',
    );
    assert.equal(challenge({ ...base, requireDpop: true }), 'DPoP algs="ES256 EdDSA"');
  });

  test('no credentials with the scope the request needs: `scope` without an error code (RFC 6750 §3)', () => {
    assert.equal(
      challenge(base, {
        scheme: 'Bearer',
        code: 'missing_token',
        description: 'x',
        scope: 'tool:a/b "c"',
      }),
      'Bearer scope="tool:a/b \\"c\\"", DPoP algs="ES256 EdDSA"',
    );
  });

  test('the error goes in the challenge of the scheme the request used, or the DPoP one when only DPoP is offered', () => {
    assert.equal(
      challenge(
        { ...base, realm: 'r' },
        { scheme: 'DPoP', code: 'invalid_dpop_proof', description: 'bad' },
      ),
      'Bearer realm="r", DPoP realm="r", error="invalid_dpop_proof", error_description="bad", algs="ES256 EdDSA"',
    );
    assert.equal(
      challenge(
        { ...base, requireDpop: true },
        { scheme: 'Bearer', code: 'invalid_token', description: 'bad' },
      ),
      'DPoP error="invalid_token", error_description="bad", algs="ES256 EdDSA"',
    );
    assert.equal(
      challenge(
        { ...base, resourceMetadata: 'https://t.example/.well-known/oauth-protected-resource' },
        { scheme: 'Bearer', code: 'insufficient_scope', description: 'needs `a`', scope: 'a b' },
      ),
      'Bearer resource_metadata="https://t.example/.well-known/oauth-protected-resource", error="insufficient_scope", error_description="needs `a`", scope="a b", DPoP resource_metadata="https://t.example/.well-known/oauth-protected-resource", algs="ES256 EdDSA"',
    );
  });

  test('quoting: configured values are escaped; descriptions keep only RFC 6750 characters', () => {
    assert.equal(
      challenge({ ...base, realm: 'a "b" \\ c' }),
      'Bearer realm="a \\"b\\" \\\\ c", DPoP realm="a \\"b\\" \\\\ c", algs="ES256 EdDSA"',
    );
    assert.equal(
      challenge(base, { scheme: 'Bearer', code: 'invalid_token', description: 'say "hi"\\ … \n' }),
      'Bearer error="invalid_token", error_description="say ?hi?? ? ?", DPoP algs="ES256 EdDSA"',
    );
  });
});
