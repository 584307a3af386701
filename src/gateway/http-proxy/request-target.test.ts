import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeSegment,
  parseRequestTarget,
  queryArguments,
  rawPathOf,
  serviceOf,
  type RequestTarget,
} from './request-target.js';

const ok = (url: string): RequestTarget => {
  const t = parseRequestTarget(url);
  assert.ok(!('error' in t), `${url}: ${'error' in t ? t.error : ''}`);
  return t;
};
const refused = (url: string): string => {
  const t = parseRequestTarget(url);
  assert.ok('error' in t, `${url} must be refused, got ${JSON.stringify(t)}`);
  return t.error;
};

describe('proxy request target', () => {
  test('splits service, decoded segments, canonical path and the raw query', () => {
    const t = ok('/proxy/billing-v2/items/42/notes?limit=10&tag=a&tag=b');
    assert.equal(t.service, 'billing-v2');
    assert.deepEqual(t.segments, ['items', '42', 'notes']);
    assert.equal(t.trailingSlash, false);
    assert.equal(t.path, '/items/42/notes');
    assert.equal(t.query, 'limit=10&tag=a&tag=b');
  });

  test('the service root and trailing slashes', () => {
    assert.deepEqual(ok('/proxy/svc/').segments, []);
    assert.equal(ok('/proxy/svc/').path, '/');
    const t = ok('/proxy/svc/items/');
    assert.deepEqual(t.segments, ['items']);
    assert.equal(t.trailingSlash, true);
    assert.equal(t.path, '/items/');
  });

  test('escapes are decoded for matching and re-encoded one canonical way for the upstream', () => {
    const t = ok('/proxy/svc/%69tems/caf%C3%A9%20au%20lait/a:b@c');
    assert.deepEqual(t.segments, ['items', 'café au lait', 'a:b@c']);
    assert.equal(t.path, '/items/caf%C3%A9%20au%20lait/a:b@c');
    assert.equal(encodeSegment('a"b<c>'), 'a%22b%3Cc%3E');
  });

  test('dot segments, plain or encoded, are refused rather than resolved', () => {
    for (const url of [
      '/proxy/svc/a/../b',
      '/proxy/svc/./a',
      '/proxy/svc/a/..',
      '/proxy/svc/%2e%2e/b',
      '/proxy/svc/.%2E/b',
      '/proxy/svc/%2E/b',
      '/proxy/svc/a/..;x/b',
      '/proxy/svc/a/%2e%2e%3bjsessionid=1/b',
    ]) {
      assert.match(refused(url), /`\.` or `\.\.`/, url);
    }
  });

  test('encoded slashes and backslashes are refused (%2f smuggling)', () => {
    for (const url of [
      '/proxy/svc/a%2fb',
      '/proxy/svc/a%2Fb',
      '/proxy/svc/..%2fadmin',
      '/proxy/svc/a%5cb',
      '/proxy/svc/a%5C..%5Cb',
    ])
      assert.match(refused(url), /encode `\/` or `\\`/, url);
    assert.match(refused('/proxy/svc/a\\b'), /must be percent-encoded/);
  });

  test('double encoding, empty segments, bad escapes and control characters are refused', () => {
    assert.match(refused('/proxy/svc/a%252fb'), /twice/);
    assert.match(refused('/proxy/svc/a%252e%252e'), /twice/);
    assert.match(refused('/proxy/svc//admin'), /empty segment/);
    assert.match(refused('/proxy/svc/a//b'), /empty segment/);
    assert.match(refused('/proxy/svc/a%zz'), /malformed escape/);
    assert.match(refused('/proxy/svc/a%c3'), /not utf-8/);
    assert.match(refused('/proxy/svc/a%00b'), /control/);
    assert.match(refused('/proxy/svc/a%0d%0aSet-Cookie:x'), /control/);
    assert.match(refused('/proxy/svc/a%E2%80%AEb'), /format/);
  });

  test('unicode that normalizes to a dot segment or a slash is refused', () => {
    assert.match(refused('/proxy/svc/%EF%BC%8E%EF%BC%8E/admin'), /`\.` or `\.\.`/); // full-width `..`
    assert.match(refused('/proxy/svc/a%EF%BC%8Fb'), /encode `\/`/); // full-width `/`
  });

  test('a fragment, a bad query or a foreign prefix is refused', () => {
    assert.match(refused('/proxy/svc/a#frag'), /fragment/);
    assert.match(refused('/proxy/svc/a?x=%zz'), /query/);
    assert.match(refused('/proxy/svc/a?x="y"'), /query/);
    assert.match(refused('/proxy/SVC/a'), /proxy\/<service>/);
    assert.match(refused('/proxy/s%76c/a'), /proxy\/<service>/);
    assert.match(refused('/other/svc/a'), /proxy\/<service>/);
    assert.match(refused(`/proxy/svc/${'a/'.repeat(200)}`), /more than 128/);
  });

  test('serviceOf and rawPathOf read the raw target', () => {
    assert.equal(serviceOf('/proxy/svc/a?b'), 'svc');
    assert.equal(serviceOf('/proxy/svc?b'), 'svc');
    assert.equal(serviceOf('/proxy/Svc/a'), undefined);
    assert.equal(rawPathOf('/proxy/svc/a?b=1'), '/proxy/svc/a');
  });

  test('query arguments keep repeated keys and never touch the prototype', () => {
    const q = queryArguments('a=1&b=2&a=3&__proto__=x&c=a+b');
    assert.deepEqual(q.a, ['1', '3']);
    assert.equal(q.b, '2');
    assert.equal(q.c, 'a b');
    assert.equal(Object.getPrototypeOf(q), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(q, '__proto__')?.value, 'x');
  });
});
