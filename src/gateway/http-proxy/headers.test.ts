import assert from 'node:assert/strict';
import { test } from 'node:test';
import { carries, downstreamHeaders, upstreamHeaders } from './headers.js';

const raw = (pairs: [string, string][]): string[] => pairs.flat();

test('upstream headers: credentials, hop-by-hop, forwarding and reserved headers never cross', () => {
  const pairs: [string, string][] = [
    ['Authorization', 'Bearer agent-token'],
    ['DPoP', 'proof'],
    ['Cookie', 'session=1'],
    ['Connection', 'keep-alive, X-Secret-Hop'],
    ['X-Secret-Hop', 'dropped'],
    ['Keep-Alive', 'timeout=5'],
    ['Transfer-Encoding', 'chunked'],
    ['Proxy-Authorization', 'Basic x'],
    ['Host', 'mandate.example'],
    ['Content-Length', '5'],
    ['Forwarded', 'for=1.2.3.4'],
    ['X-Forwarded-For', '1.2.3.4'],
    ['X-Request-Id', 'agent-chosen'],
    ['X-Api-Key', 'agent-guess'],
    ['Content-Type', 'text/plain'],
    ['Accept', 'application/json'],
    ['X-Custom', 'a'],
    ['x-custom', 'b'],
  ];
  const out = upstreamHeaders(
    raw(pairs),
    { connection: 'keep-alive, X-Secret-Hop' },
    new Set(['x-api-key']),
  );
  assert.deepEqual(out, {
    'content-type': 'text/plain',
    accept: 'application/json',
    'x-custom': ['a', 'b'],
  });
});

test('downstream headers: set-cookie, challenges and browser policy of the upstream stay behind', () => {
  const pairs: [string, string][] = [
    ['Content-Type', 'application/json'],
    ['Content-Length', '2'],
    ['Content-Encoding', 'gzip'],
    ['Set-Cookie', 'upstream-session=1'],
    ['WWW-Authenticate', 'Basic realm="legacy"'],
    ['Strict-Transport-Security', 'max-age=1'],
    ['Connection', 'close'],
    ['ETag', '"1"'],
  ];
  assert.deepEqual(downstreamHeaders(raw(pairs), { connection: 'close' }), {
    'content-type': 'application/json',
    'content-length': '2',
    'content-encoding': 'gzip',
    etag: '"1"',
  });
});

test('carries finds a token in any header value or the query, encoded or not', () => {
  assert.equal(carries('abc.def', { 'x-a': ['1', 'Bearer abc.def'] }, ''), true);
  assert.equal(carries('abc.def', {}, 'token=abc.def'), true);
  assert.equal(carries('a+b/c', {}, 'token=a%2Bb%2Fc'), true);
  assert.equal(carries('abc.def', { 'x-a': 'abc' }, 'q=abc'), false);
});
