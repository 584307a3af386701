// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation (an agent steering an upstream
// API through the HTTP proxy at an internal address), ASI01 Agent Goal Hijack (a JSON body with
// two readings: the decision reads one value, an upstream that keeps the first of two equal keys
// reads another). Through real HTTP (node:http, the raw body as sent) against a real server and
// upstream: a JSON body with a key given twice, in any spelling or depth, is refused (400
// `invalid_json`, naming the key) and nothing reaches the upstream; an internal URL in the body
// is denied by mandate.deny-internal-network and not forwarded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { attestedAgent } from '../helpers/agents.js';
import { proxyTask, raw, startProxyEnv, type ProxyEnv } from '../proxy/helpers.js';

describe('ASI02/ASI01 attack: destinations and duplicate keys through the HTTP proxy', () => {
  let env: ProxyEnv;
  let token: string;

  before(async () => {
    env = await startProxyEnv();
    const agent = await attestedAgent(env.server, 'proxy-ssrf', ['tool:items/*']);
    ({ token } = await proxyTask(env, agent, 'items', ['tool:items/create_item']));
  });
  after(() => env.stop());

  const post = (body: string) =>
    raw(env, 'POST', '/proxy/items/items', {
      token,
      headers: { 'content-type': 'application/json' },
      body,
    });

  test('a body with a key given twice, in any spelling or at any depth, is refused and not forwarded', async () => {
    for (const body of [
      '{"name":"x","callback":"https://example.com/","callback":"http://169.254.169.254/"}',
      '{"name":"x","callback":"http://169.254.169.254/","c\\u0061llback":"https://example.com/"}',
      '{"name":"x","meta":[{"a":1},{"to":"a@example.com","to":"b@evil.example"}]}',
      `{"name":"x","deep":${'['.repeat(600)}${']'.repeat(600)},"name":"y"}`,
    ]) {
      const before = env.upstream.requests.length;
      const r = await post(body);
      assert.equal(r.status, 400, `${body.slice(0, 80)}: ${r.text}`);
      assert.equal(r.json().code, 'invalid_json');
      assert.match(String(r.json().detail), /the key `[a-z]+` twice/u, r.text);
      assert.equal(
        env.upstream.requests.length,
        before,
        `${body.slice(0, 80)} reached the upstream`,
      );
    }
  });

  test('an internal url in the body is denied by mandate.deny-internal-network; a plain body passes', async () => {
    const before = env.upstream.requests.length;
    const r = await post(
      '{"name":"x","hooks":[{"callback":"http://169.254.169.254/latest/meta-data/"}]}',
    );
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /mandate\.deny-internal-network/u);
    assert.equal(env.upstream.requests.length, before);
    assert.equal((await post('{"name":"x","callback":"https://example.com/hook"}')).status, 200);
  });

  test('a host in the body or query under a destination name, or as an ip literal under any key, is denied and not forwarded', async () => {
    for (const [path, body] of [
      ['/proxy/items/items', '{"name":"x","host":"10.0.0.5"}'],
      ['/proxy/items/items', '{"name":"x","callback":"169.254.169.254/latest/meta-data/"}'],
      ['/proxy/items/items', '{"name":"x","meta":{"server":"10.0.0.6:6379"}}'],
      [
        '/proxy/items/items',
        '{"name":"x","hooks":[{"u\\u200brl":"metadata.google.internal/computeMetadata/v1/"}]}',
      ],
      ['/proxy/items/items?webhook=http%3A%2F%2F10.0.0.5%2F', '{"name":"x"}'],
      ['/proxy/items/items?target=169.254.169.254', '{"name":"x"}'],
    ] as const) {
      const before = env.upstream.requests.length;
      const r = await raw(env, 'POST', path, {
        token,
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(r.status, 403, `${path} ${body}: ${r.text}`);
      assert.match(r.text, /mandate\.deny-internal-network/u, `${path} ${body}`);
      assert.equal(env.upstream.requests.length, before, `${path} ${body} reached the upstream`);
    }
  });
});
