import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientIdUrlProblem, isClientIdUrl } from './client-id-url.js';

test('client id url: an https url with a path, in its normal form, is one', () => {
  for (const ok of [
    'https://app.example/client.json',
    'https://app.example:8443/oauth/client-metadata.json',
    'https://127.0.0.1:9999/c.json',
    'https://app.example/c?v=2',
  ])
    assert.equal(clientIdUrlProblem(ok), undefined, ok);
});

test('client id url: every rule of the draft, and one spelling only', () => {
  const cases: [string, RegExp][] = [
    ['http://app.example/client.json', /must be an https url/],
    ['ftp://app.example/client.json', /must be an https url/],
    ['https://app.example', /must have a path/],
    ['https://app.example/', /must have a path/],
    ['https://app.example/client.json#frag', /must not have a fragment/],
    ['https://user:pw@app.example/client.json', /user name or password/],
    ['https://user@app.example/client.json', /user name or password/],
    ['https://app.example/a/../client.json', /`\.` or `\.\.` path segments/],
    ['https://app.example/./client.json', /`\.` or `\.\.` path segments/],
    ['https://app.example/a/%2e%2E/client.json', /`\.` or `\.\.` path segments/],
    ['https://APP.example/client.json', /normal form `https:\/\/app\.example\/client\.json`/],
    ['https://app.example:443/client.json', /normal form/],
    ['https://app.example/client json', /normal form/],
    ['https://app.example\\client.json', /normal form|path/],
    ['https://', /not a url/],
    [`https://app.example/${'a'.repeat(2001)}`, /longer than 2000/],
  ];
  for (const [url, why] of cases) assert.match(clientIdUrlProblem(url) ?? 'accepted', why, url);
});

test('client id url: a scheme makes a url; a registered id has none', () => {
  assert.equal(isClientIdUrl('https://app.example/c.json'), true);
  assert.equal(isClientIdUrl('http://app.example/c.json'), true);
  assert.equal(isClientIdUrl('3f2a9c0d1e4b5a6978877665544332211'), false);
});
