// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation. An agent allowed only to
// create items (`POST /items`) asks the HTTP proxy for that, and tells the upstream to read the
// request as a DELETE (`X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override`, a
// `_method` query parameter, url-encoded or multipart form field, or json member) or as another path (`X-Original-URL`,
// `X-Rewrite-URL`), as Rails, Laravel, Symfony, ASP.NET and many gateways do. The decision was
// made for `POST /items`: every such request is refused (400 `method_override`, naming what was
// refused) and nothing reaches the upstream. Through real HTTP (node:http, the raw target as sent).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attestedAgent } from '../helpers/agents.js';
import { proxyTask, raw, startProxyEnv, type ProxyEnv } from '../proxy/helpers.js';

describe('ASI02 attack: proxy method and target override', () => {
  let env: ProxyEnv;
  let token: string;

  before(async () => {
    env = await startProxyEnv();
    const agent = await attestedAgent(env.server, 'method-overrider', ['tool:items/*']);
    ({ token } = await proxyTask(env, agent, 'items', ['tool:items/create_item']));
  });
  after(() => env.stop());

  const post = (target: string, headers: Record<string, string> = {}, body = '{"name":"x"}') =>
    raw(env, 'POST', target, {
      token,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  test('the plain request passes (the refusals below are about the override, not the route)', async () => {
    const r = await post('/proxy/items/items');
    assert.equal(r.status, 200, r.text);
  });

  test('override headers, in any letter case: 400 method_override naming the header, nothing forwarded', async () => {
    const headers = [
      'X-HTTP-Method-Override',
      'x-http-method',
      'X-METHOD-OVERRIDE',
      'X-Original-Method',
      'X-Original-URL',
      'x-rewrite-url',
      'X_HTTP_Method_Override',
    ];
    for (const name of headers) {
      const before = env.upstream.requests.length;
      const r = await post('/proxy/items/items', {
        [name]: name.toLowerCase().includes('url') ? '/items/1' : 'DELETE',
      });
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      const p = r.json();
      assert.equal(p.code, 'method_override');
      assert.ok(
        String(p.detail).includes(`\`${name.toLowerCase().replace(/_/g, '-')}\``),
        String(p.detail),
      );
      assert.equal(env.upstream.requests.length, before, `${name} reached the upstream`);
    }
  });

  test('a `_method` query parameter, plain, percent-encoded or in another case: refused', async () => {
    // `.method` is `_method` to PHP (Laravel, Symfony).
    for (const query of [
      '_method=DELETE',
      'a=1&_method=delete',
      '%5Fmethod=DELETE',
      '_METHOD=DELETE',
      '_method',
      '.method=DELETE',
      'x=1&%2Emethod=PUT',
    ]) {
      const before = env.upstream.requests.length;
      const r = await post(`/proxy/items/items?${query}`);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.equal(r.json().code, 'method_override');
      assert.match(String(r.json().detail), /`_method` query parameter/);
      assert.equal(env.upstream.requests.length, before);
    }
  });

  test('a `_method` field of a url-encoded form: refused; a form without one is forwarded byte for byte', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    for (const body of ['_method=DELETE', 'name=x&_method=DELETE', 'name=x&%5fmethod=PUT']) {
      const before = env.upstream.requests.length;
      const r = await post('/proxy/items/items', form, body);
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.match(String(r.json().detail), /`_method` form field/);
      assert.equal(env.upstream.requests.length, before);
    }
    const before = env.upstream.requests.length;
    const ok = await post('/proxy/items/items', form, 'name=x&method=fine');
    assert.equal(ok.status, 200, ok.text);
    const got = env.upstream.requests.slice(before);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.method, 'POST');
    assert.equal(got[0]!.body.toString(), 'name=x&method=fine');
  });

  test('a `_method` part of a multipart form, or a top-level `_method` member of a json body (Laravel reads both): refused', async () => {
    const boundary = '----mandate-attack';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name=${name}\r\n\r\n${value}\r\n`;
    const multipart = { 'content-type': `multipart/form-data; boundary=${boundary}` };
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        multipart,
        `${part('"name"', 'x')}${part('"_method"', 'DELETE')}--${boundary}--\r\n`,
        /`_method` form field/,
      ],
      [multipart, `${part('_METHOD', 'DELETE')}--${boundary}--\r\n`, /`_method` form field/],
      [
        { 'content-type': `multipart/form-data; boundary="${boundary}"` },
        `${part('".method"', 'PUT')}--${boundary}--\r\n`,
        /`_method` form field/,
      ],
      [{}, '{"name":"x","_method":"DELETE"}', /`_method` json member/],
      [{}, '{"name":"x","\\u005fmethod":"DELETE"}', /`_method` json member/],
    ];
    for (const [headers, body, detail] of cases) {
      const before = env.upstream.requests.length;
      const r = await post('/proxy/items/items', headers, body);
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      assert.equal(r.json().code, 'method_override');
      assert.match(String(r.json().detail), detail);
      assert.equal(env.upstream.requests.length, before);
    }
    const before = env.upstream.requests.length;
    const ok = await post(
      '/proxy/items/items',
      multipart,
      `${part('"name"', '_method=DELETE in a value is data')}--${boundary}--\r\n`,
    );
    assert.equal(ok.status, 200, ok.text);
    assert.equal(env.upstream.requests.length, before + 1);
  });

  test('a json body with a key given twice (policy would read the last, some upstreams the first): refused', async () => {
    const before = env.upstream.requests.length;
    const r = await post('/proxy/items/items', {}, '{"name":"ok","name":"other"}');
    assert.equal(r.status, 400, r.text);
    assert.match(String(r.json().detail), /twice/);
    assert.equal(env.upstream.requests.length, before);
  });
});
