import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redirectMatches, redirectUriProblem } from './redirect-uri.js';

test('redirect uri: open registration takes https and loopback http only', () => {
  for (const ok of [
    'https://app.example/callback',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:33418',
    'http://[::1]:8080/cb?x=1',
    'http://localhost:6274/oauth/callback',
  ])
    assert.equal(redirectUriProblem(ok, 'web'), undefined, ok);
  for (const [bad, why] of [
    ['http://app.example/callback', /must be https, or http on a loopback address/],
    ['http://127.0.0.1.nip.io/cb', /must be https, or http on a loopback address/],
    ['http://10.0.0.1/cb', /loopback/],
    ['com.example.app:/callback', /must be https, or http on a loopback address/],
    ['https://app.example/cb#x', /fragment/],
    ['https://u:p@app.example/cb', /user name/],
    ['/relative', /absolute/],
    ['https://app.example/c b', /spaces/],
  ] as const)
    assert.match(redirectUriProblem(bad, 'web') ?? 'accepted', why, bad);
});

test('redirect uri: a metadata document or an admin-allowed registration may use a private-use scheme', () => {
  assert.equal(redirectUriProblem('com.example.app:/callback', 'native'), undefined);
  assert.equal(redirectUriProblem('cursor.anysphere:/oauth', 'native'), undefined);
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'myapp:/cb', 'file:///etc/x'])
    assert.match(redirectUriProblem(bad, 'native') ?? 'accepted', /reverse domain form/, bad);
  assert.match(redirectUriProblem('http://app.example/cb', 'native') ?? '', /loopback/);
});

test('redirect uri: exact match, a loopback one on any port (RFC 8252 §7.3) and nothing else', () => {
  assert.equal(redirectMatches('https://app.example/cb', 'https://app.example/cb'), true);
  assert.equal(redirectMatches('https://app.example/cb', 'https://app.example/cb/'), false);
  assert.equal(redirectMatches('https://app.example/cb', 'https://APP.example/cb'), false);
  assert.equal(redirectMatches('https://app.example/cb', 'https://app.example:443/cb'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:53122/cb'), true);
  assert.equal(redirectMatches('http://127.0.0.1:1000/cb', 'http://127.0.0.1:2000/cb'), true);
  assert.equal(redirectMatches('http://localhost/cb', 'http://localhost:8080/cb'), true);
  assert.equal(redirectMatches('http://[::1]/cb', 'http://[::1]:8080/cb'), true);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://localhost:8080/cb'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb2'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb?x'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:99999/cb'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1:8080/cb#f'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'https://127.0.0.1:8080/cb'), false);
  assert.equal(redirectMatches('http://127.0.0.1/cb', 'http://127.0.0.1@evil.example/cb'), false);
  assert.equal(redirectMatches('https://app.example/cb', 'https://app.example:8443/cb'), false);
});
