// The per-service allowlist: only configured method + path routes pass, paths with more than one
// reading (`..`, `%2f`, `//`, `..;`) are refused rather than normalized, and the upstream sees
// the canonical form of the path that matched. Requests are sent with the target exactly as
// written (test/e2e/proxy/helpers.ts `raw`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import { auditEvents, proxyTask, raw, startProxyEnv, type Json, type ProxyEnv } from './helpers.js';

describe('http proxy: method and path allowlist', () => {
  let env: ProxyEnv;
  let agent: MandateAgent;
  let token: string;

  before(async () => {
    env = await startProxyEnv();
    agent = await attestedAgent(env.server, 'proxy-paths', ['tool:items/*']);
    ({ token } = await proxyTask(env, agent, 'items', ['tool:items/*']));
  });
  after(() => env.stop());

  test('a path outside the allowlist: 403 route_not_allowed naming the allowed routes, nothing forwarded', async () => {
    const before = env.upstream.requests.length;
    for (const target of [
      '/proxy/items/admin/users',
      '/proxy/items/items/1/secrets',
      '/proxy/items/ITEMS/1',
      '/proxy/items/',
    ]) {
      const r = await raw(env, 'GET', target, { token });
      assert.equal(r.status, 403, target);
      const p = r.json();
      assert.equal(p.code, 'route_not_allowed');
      assert.equal(r.headers['content-type'], 'application/problem+json');
      assert.ok((p.allowed as string[]).includes('GET /items/{id}'));
    }
    assert.equal(env.upstream.requests.length, before);
  });

  test("a refusal's problem document has the error registry's status and title for its code", async () => {
    const r = await raw(env, 'GET', '/proxy/items/admin/users', { token });
    const p = r.json();
    assert.deepEqual(
      { type: p.type, title: p.title, status: p.status, code: p.code },
      {
        type: 'https://mandate.dev/problems/route_not_allowed',
        title: 'Route not allowed',
        status: 403,
        code: 'route_not_allowed',
      },
    );
  });

  test('a method the path is not allowed for: 405 with Allow', async () => {
    const before = env.upstream.requests.length;
    const r = await raw(env, 'PATCH', '/proxy/items/items/1', {
      token,
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'DELETE, GET, HEAD');
    assert.equal(r.json().code, 'method_not_allowed');
    assert.deepEqual(r.json().allowed_methods, ['DELETE', 'GET', 'HEAD']);
    const post = await raw(env, 'POST', '/proxy/items/items/1', {
      token,
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(post.status, 405);
    const head = await raw(env, 'HEAD', '/proxy/items/files/a.txt', { token });
    assert.equal(
      head.status,
      405,
      'HEAD is a method of its own: allowed only where a route names it',
    );
    assert.equal(head.headers.allow, 'GET');
    assert.equal(env.upstream.requests.length, before);
  });

  test('HEAD where a route allows it: forwarded as HEAD, headers back and no body', async () => {
    const before = env.upstream.requests.length;
    const r = await raw(env, 'HEAD', '/proxy/items/items/5', { token });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-upstream'], 'fixture');
    assert.equal(r.body.length, 0);
    assert.deepEqual(
      env.upstream.requests.slice(before).map((u) => [u.method, u.url]),
      [['HEAD', '/api/items/5']],
    );
  });

  test('traversal and smuggling: `..`, `%2e%2e`, `%2f`, `%5c`, `//`, `..;` and double encoding are refused, not normalized', async () => {
    const before = env.upstream.requests.length;
    const attempts = [
      '/proxy/items/items/../admin',
      '/proxy/items/items/1/../../admin',
      '/proxy/items/files/../../etc/passwd',
      '/proxy/items/files/%2e%2e/%2e%2e/admin',
      '/proxy/items/files/.%2e/admin',
      '/proxy/items/items/1%2f..%2fadmin',
      '/proxy/items/items/..%2Fadmin',
      '/proxy/items/files/a%5c..%5cadmin',
      '/proxy/items/items//1',
      '/proxy/items//items/1',
      '/proxy/items/files/..;/admin',
      '/proxy/items/items/1%252f..%252fadmin',
      '/proxy/items/files/%EF%BC%8E%EF%BC%8E/admin',
      '/proxy/items/items/1%00',
    ];
    for (const target of attempts) {
      const r = await raw(env, 'GET', target, { token });
      assert.equal(r.status, 400, `${target}: ${r.text}`);
      assert.equal(r.json().code, 'invalid_path', target);
    }
    assert.equal(env.upstream.requests.length, before, 'none of them reached the upstream');
  });

  test('what matched is what is forwarded: escapes decoded for matching, one canonical encoding upstream', async () => {
    const before = env.upstream.requests.length;
    const r = await raw(env, 'GET', '/proxy/items/%69tems/a%20b%3Ac', { token });
    assert.equal(r.status, 200, r.text);
    const f = await raw(env, 'GET', '/proxy/items/files/docs/read%2Dme.md?v=2', { token });
    assert.equal(f.status, 200, f.text);
    assert.deepEqual(
      env.upstream.requests.slice(before).map((u) => u.url),
      ['/api/items/a%20b:c', '/api/files/docs/read-me.md?v=2'],
    );
  });

  test("the matched route's parameters are what the decision sees", async () => {
    const r = await raw(env, 'GET', '/proxy/items/files/a/b/c.txt', {
      token,
      headers: { 'x-request-id': 'e2e-proxy-params' },
    });
    assert.equal(r.status, 200);
    const decision = (await auditEvents(env)).find(
      (e) => e.action === 'decision' && e.request_id === 'e2e-proxy-params',
    );
    assert.equal(decision?.target, 'items/read_file');
    const args = ((decision.details as Json).request as Json).arguments as Json;
    assert.deepEqual(args.params, { '**': 'a/b/c.txt' });
  });
});
