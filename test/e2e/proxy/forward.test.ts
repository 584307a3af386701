// The HTTP proxy forwarding to a real upstream on loopback: the brokered static secret is what
// the upstream sees (never the agent's task token), bodies stream both ways, and neither the
// secret nor the token ends up in a response, a log line or an audit row.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import {
  API_KEY_SECRET,
  auditEvents,
  ITEMS_SECRET,
  proxyTask,
  raw,
  startProxyEnv,
  type Json,
  type ProxyEnv,
  type RawResponse,
} from './helpers.js';
import { GZIP_BODY, STREAM_CHUNK, STREAM_CHUNKS } from './upstream.js';

describe('http proxy: forwarding with a brokered static secret', () => {
  let env: ProxyEnv;
  let agent: MandateAgent;
  let token: string;
  const tokens: string[] = [];
  /** Every response body and header the agent received, for the final leak check. */
  const seen: string[] = [];
  const keep = (r: RawResponse): RawResponse => (seen.push(r.text, JSON.stringify(r.headers)), r);

  before(async () => {
    env = await startProxyEnv();
    agent = await attestedAgent(env.server, 'proxy-alpha', [
      'tool:items/*',
      'tool:ident/*',
      'tool:slow/*',
    ]);
    ({ token } = await proxyTask(env, agent, 'items', ['tool:items/*']));
    tokens.push(token);
  });
  after(() => env.stop());

  test('an allowed GET reaches the upstream with the secret injected, the query kept and the request id propagated', async () => {
    const before = env.upstream.requests.length;
    const r = keep(
      await raw(env, 'GET', '/proxy/items/items/42?expand=owner&tag=a&tag=b', {
        token,
        headers: {
          'x-request-id': 'e2e-proxy-get-1',
          accept: 'application/json',
          'x-custom': 'kept',
        },
      }),
    );
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json(), {
      ok: true,
      method: 'GET',
      url: '/api/items/42?expand=owner&tag=a&tag=b',
      bytes: 0,
    });
    assert.equal(r.headers['x-request-id'], 'e2e-proxy-get-1');
    assert.equal(r.headers['x-upstream'], 'fixture', "the upstream's own headers come back");
    assert.equal(r.headers['set-cookie'], undefined, 'upstream cookies stay behind');
    assert.equal(r.headers['www-authenticate'], undefined, 'upstream challenges stay behind');
    assert.match(String(r.headers['x-mandate-decision-id']), /\S/);
    const got = env.upstream.requests.slice(before);
    assert.equal(got.length, 1);
    const u = got[0]!;
    assert.equal(
      u.headers.authorization,
      `Bearer ${ITEMS_SECRET}`,
      'the upstream sees the brokered secret',
    );
    assert.equal(u.headers['x-request-id'], 'e2e-proxy-get-1');
    assert.equal(u.headers['x-custom'], 'kept');
    assert.equal(u.headers.accept, 'application/json');
  });

  test("the agent's token, cookies, DPoP header and forwarding headers never reach the upstream", async () => {
    const before = env.upstream.requests.length;
    const r = keep(
      await raw(env, 'GET', '/proxy/items/items/7', {
        token,
        headers: {
          cookie: 'agent-session=1',
          dpop: 'not-a-proof',
          'x-forwarded-for': '10.9.9.9',
          forwarded: 'for=10.9.9.9',
          'proxy-authorization': 'Basic eDp5',
        },
      }),
    );
    assert.equal(r.status, 200, r.text);
    const u = env.upstream.requests.slice(before)[0]!;
    const everything = JSON.stringify(u);
    assert.ok(!everything.includes(token), 'no part of the upstream request holds the agent token');
    assert.ok(!everything.includes(token.split('.')[2]!), 'not even its signature');
    for (const h of ['cookie', 'dpop', 'x-forwarded-for', 'forwarded', 'proxy-authorization'])
      assert.equal(u.headers[h], undefined, h);
    assert.equal(u.headers.authorization, `Bearer ${ITEMS_SECRET}`);
  });

  test('passing the task token on in another header, the query, the path or a json body is refused before anything is forwarded', async () => {
    // A token of its own: one written into the request target lands in the server's access log
    // like any URL does (RFC 6750 §5.3 says not to), so it is left out of the final log check.
    const { token } = await proxyTask(env, agent, 'items', ['tool:items/*']);
    const before = env.upstream.requests.length;
    const signature = token.split('.')[2]!;
    const attempts = [
      raw(env, 'GET', '/proxy/items/items/1', {
        token,
        headers: { 'x-upstream-authorization': `Bearer ${token}` },
      }),
      raw(env, 'GET', `/proxy/items/items/1?access_token=${token}`, { token }),
      raw(env, 'GET', `/proxy/items/items/${signature}`, { token }),
      raw(env, 'POST', '/proxy/items/items', {
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ note: token }),
      }),
    ];
    for (const r of await Promise.all(attempts)) {
      keep(r);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json().code, 'token_passthrough');
    }
    assert.equal(env.upstream.requests.length, before, 'nothing was forwarded');
  });

  test('a json body is read for the decision and forwarded as the same bytes', async () => {
    const before = env.upstream.requests.length;
    const body = '{"name":"widget",  "price": 12.5, "tags":["a"]}';
    const r = keep(
      await raw(env, 'POST', '/proxy/items/items', {
        token,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-request-id': 'e2e-proxy-post-1',
        },
        body,
      }),
    );
    assert.equal(r.status, 200, r.text);
    const u = env.upstream.requests.slice(before)[0]!;
    assert.equal(u.body.toString('utf8'), body, 'byte for byte');
    assert.equal(u.headers['content-length'], String(Buffer.byteLength(body)));
    const decision = (await auditEvents(env)).find(
      (e) => e.action === 'decision' && e.request_id === 'e2e-proxy-post-1',
    );
    assert.ok(decision, 'the decision is audited with the request id');
    const args = ((decision.details as Json).request as Json).arguments as Json;
    assert.deepEqual(args.body, { name: 'widget', price: 12.5, tags: ['a'] });
    assert.equal(args.method, 'POST');
    assert.equal(args.path, '/items');
    assert.equal(args.url, `${env.upstream.url}/items`);
    assert.equal(decision.target, 'items/create_item');
  });

  test('a json body that does not parse is refused, not forwarded unseen', async () => {
    const before = env.upstream.requests.length;
    const r = keep(
      await raw(env, 'POST', '/proxy/items/items', {
        token,
        headers: { 'content-type': 'application/json' },
        body: '{"name":',
      }),
    );
    assert.equal(r.status, 400);
    assert.equal(r.json().code, 'invalid_json');
    assert.equal(env.upstream.requests.length, before);
  });

  test('a non-json request body streams through unread, and so does a chunked response', async () => {
    const before = env.upstream.requests.length;
    const payload = Buffer.alloc(512 * 1024, 7);
    const up = keep(
      await raw(env, 'PUT', '/proxy/items/uploads/blob.bin', {
        token,
        headers: { 'content-type': 'application/octet-stream' },
        body: payload,
      }),
    );
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json().bytes, payload.length);
    const u = env.upstream.requests.slice(before)[0]!;
    assert.ok(u.body.equals(payload), 'the upstream got the exact bytes');
    const stream = keep(await raw(env, 'GET', '/proxy/items/stream', { token }));
    assert.equal(stream.status, 200);
    assert.equal(stream.text, STREAM_CHUNK.repeat(STREAM_CHUNKS));
  });

  test('a content-encoded response passes through as the upstream sent it', async () => {
    const r = keep(
      await raw(env, 'GET', '/proxy/items/gzip', { token, headers: { 'accept-encoding': 'gzip' } }),
    );
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(gunzipSync(r.body).toString('utf8')), GZIP_BODY);
  });

  test('upstream error statuses come back as they are', async () => {
    const r = keep(await raw(env, 'GET', '/proxy/items/status/503', { token }));
    assert.equal(r.status, 503);
    assert.equal(r.json().ok, true, "the upstream's body, not a proxy problem");
  });

  test("a header credential and the caller's identity assertion", async () => {
    const { token: t } = await proxyTask(env, agent, 'ident', ['tool:ident/get_item']);
    tokens.push(t);
    const before = env.upstream.requests.length;
    const r = keep(
      await raw(env, 'GET', '/proxy/ident/items/9', {
        token: t,
        headers: { 'x-api-key': 'agent-guess', 'x-mandate-identity': 'forged' },
      }),
    );
    assert.equal(r.status, 200, r.text);
    const u = env.upstream.requests.slice(before)[0]!;
    assert.equal(u.headers['x-api-key'], API_KEY_SECRET, "the broker's value replaces the agent's");
    assert.equal(u.headers.authorization, undefined);
    const assertion = String(u.headers['x-mandate-identity']);
    const { payload, protectedHeader } = await jwtVerify(
      assertion,
      createRemoteJWKSet(new URL(`${env.server.url}/.well-known/jwks.json`)),
      { issuer: env.server.config.issuer, audience: `${env.upstream.url}` },
    );
    assert.equal(protectedHeader.typ, 'mandate-id+jwt');
    assert.equal(payload.sub, `spiffe://${env.server.config.trustDomain}/agent/proxy-alpha`);
  });

  test('an upstream that does not answer in time: 504', async () => {
    const { token: t } = await proxyTask(env, agent, 'slow', ['tool:slow/slow']);
    tokens.push(t);
    const r = keep(await raw(env, 'GET', '/proxy/slow/slow', { token: t }));
    assert.equal(r.status, 504, r.text);
    assert.equal(r.json().code, 'upstream_timeout');
    assert.equal(r.headers['content-type'], 'application/problem+json');
  });

  test("the secrets and the agent's tokens are in no response, log line or audit row, and the secrets nowhere in the store in clear", async () => {
    const logs = env.logs();
    assert.match(logs, /"msg":"proxy request"/, 'the proxy logged its requests');
    const audit = JSON.stringify(await auditEvents(env));
    assert.match(audit, /"action":"decision"/);
    for (const secret of [ITEMS_SECRET, API_KEY_SECRET]) {
      assert.ok(!seen.some((s) => s.includes(secret)), 'not in any response');
      assert.ok(!logs.includes(secret), 'not in the logs');
      assert.ok(!audit.includes(secret), 'not in the audit trail');
    }
    // The store on disk: secrets are only there envelope-encrypted, and nothing else holds them.
    const files = readdirSync(env.server.dataDir).filter((f) => f.startsWith('mandate.db'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const bytes = readFileSync(join(env.server.dataDir, f));
      for (const secret of [ITEMS_SECRET, API_KEY_SECRET])
        assert.ok(!bytes.includes(secret), `not in ${f}`);
    }
    for (const t of tokens) {
      const signature = t.split('.')[2]!;
      assert.ok(!logs.includes(signature), 'no task token in the logs');
      assert.ok(!audit.includes(signature), 'no task token in the audit trail');
    }
  });
});
