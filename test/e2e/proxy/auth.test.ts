// Each proxy service is an OAuth protected resource of its own (RFC 9728, RFC 6750, RFC 9449):
// only a task token for `<issuer>/proxy/<service>` passes, refusals name the resource metadata,
// DPoP-bound tokens need a proof, and a revoked task stops at the next request.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent, GATEWAY } from '../helpers/agents.js';
import { proxyTask, raw, startProxyEnv, type Json, type ProxyEnv } from './helpers.js';

describe('http proxy: authentication', () => {
  let env: ProxyEnv;
  let agent: MandateAgent;
  let metadataUrl: string;

  before(async () => {
    env = await startProxyEnv();
    agent = await attestedAgent(env.server, 'proxy-auth', ['tool:items/*', 'tool:ident/*']);
    metadataUrl = `${env.server.url}/.well-known/oauth-protected-resource/proxy/items`;
  });
  after(() => env.stop());

  test('RFC 9728 metadata per service: its resource, Mandate as authorization server, its tool scopes', async () => {
    const res = await fetch(metadataUrl);
    assert.equal(res.status, 200);
    const m = (await res.json()) as Json;
    assert.equal(m.resource, env.resource('items'));
    assert.deepEqual(m.authorization_servers, [env.server.url]);
    assert.deepEqual(m.bearer_methods_supported, ['header']);
    assert.equal(m.dpop_bound_access_tokens_required, false);
    assert.ok((m.scopes_supported as string[]).includes('tool:items/get_item'));
    assert.ok(
      !(m.scopes_supported as string[]).includes('tool:ident/get_item'),
      "only this service's tools",
    );
    assert.equal(
      (await fetch(`${env.server.url}/.well-known/oauth-protected-resource/proxy/nope`)).status,
      404,
    );
  });

  test('the routes are tools of the catalog', async () => {
    const res = await fetch(`${env.server.url}/v1/tools?server=items`, {
      headers: { authorization: `Bearer ${env.server.adminToken}` },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const tool of ['items/get_item', 'items/delete_item', 'items/read_file'])
      assert.ok(text.includes(tool), tool);
  });

  test('no token: 401 with a Bearer challenge naming the resource metadata, and nothing forwarded', async () => {
    const before = env.upstream.requests.length;
    const r = await raw(env, 'GET', '/proxy/items/items/1');
    assert.equal(r.status, 401);
    const challenge = String(r.headers['www-authenticate']);
    assert.ok(challenge.startsWith(`Bearer resource_metadata="${metadataUrl}"`), challenge);
    assert.doesNotMatch(challenge.split(', DPoP')[0]!, /error=/);
    assert.equal(r.headers['content-type'], 'application/problem+json');
    assert.equal(env.upstream.requests.length, before);
  });

  test("a token for another audience, another proxy service's included: 401 invalid_token with the resource metadata", async () => {
    const elsewhere = await agent.startTask({
      resource: GATEWAY,
      scope: ['tool:items/get_item'],
      purpose: 'elsewhere',
    });
    const { token: identToken } = await proxyTask(env, agent, 'ident', ['tool:ident/get_item']);
    for (const token of [elsewhere.accessToken, identToken]) {
      const r = await raw(env, 'GET', '/proxy/items/items/1', { token });
      assert.equal(r.status, 401);
      const challenge = String(r.headers['www-authenticate']);
      assert.match(challenge, /error="invalid_token"/);
      assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`));
      assert.match(r.json().detail as string, /audience/);
    }
  });

  test('a forged or malformed token: 401 invalid_token', async () => {
    const { token } = await proxyTask(env, agent, 'items', ['tool:items/get_item']);
    const [h, p] = token.split('.');
    for (const bad of [`${h}.${p}.AAAA`, 'garbage']) {
      const r = await raw(env, 'GET', '/proxy/items/items/1', { token: bad });
      assert.equal(r.status, 401, bad.slice(0, 8));
      assert.equal(r.json().code, 'invalid_token');
    }
  });

  test('a DPoP-bound token passes with a proof for this request, and only with one', async () => {
    const dpopAgent = await attestedAgent(env.server, 'proxy-dpop', ['tool:items/*'], {
      dpop: true,
    });
    const task = await dpopAgent.startTask({
      resource: env.resource('items'),
      scope: ['tool:items/get_item'],
      purpose: 'dpop',
    });
    const before = env.upstream.requests.length;
    const res = await dpopAgent.taskFetch(task)(`${env.server.url}/proxy/items/items/5?x=1`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as Json).url, '/api/items/5?x=1');
    const u = env.upstream.requests.slice(before)[0]!;
    assert.equal(u.headers.dpop, undefined, 'the proof stays at the proxy');
    assert.ok(!JSON.stringify(u).includes(task.accessToken));

    const asBearer = await raw(env, 'GET', '/proxy/items/items/5', { token: task.accessToken });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.json().detail as string, /dpop-bound/);
    const noProof = await raw(env, 'GET', '/proxy/items/items/5', {
      headers: { authorization: `DPoP ${task.accessToken}` },
    });
    assert.equal(noProof.status, 401);
    assert.equal(noProof.json().code, 'invalid_dpop_proof');
    assert.match(String(noProof.headers['www-authenticate']), /DPoP .*error="invalid_dpop_proof"/);
  });

  test('a revoked task: the next request is refused and nothing is forwarded', async () => {
    const task = await agent.startTask({
      resource: env.resource('items'),
      scope: ['tool:items/get_item'],
      purpose: 'to be ended',
    });
    const ok = await raw(env, 'GET', '/proxy/items/items/1', { token: task.accessToken });
    assert.equal(ok.status, 200);
    await agent.endTask(task);
    const before = env.upstream.requests.length;
    const r = await raw(env, 'GET', '/proxy/items/items/1', { token: task.accessToken });
    assert.equal(r.status, 401);
    assert.equal(r.json().code, 'invalid_token');
    assert.match(String(r.headers['www-authenticate']), /error="invalid_token"/);
    assert.equal(env.upstream.requests.length, before);
  });

  test('a suspended agent: its live token stops working at once', async () => {
    const other = await attestedAgent(env.server, 'proxy-suspended', ['tool:items/*']);
    const { token } = await proxyTask(env, other, 'items', ['tool:items/get_item']);
    assert.equal((await raw(env, 'GET', '/proxy/items/items/1', { token })).status, 200);
    await env.server.admin.suspendAgent('proxy-suspended');
    const r = await raw(env, 'GET', '/proxy/items/items/1', { token });
    assert.equal(r.status, 401);
  });

  test('no proxy service by that name: 404', async () => {
    const r = await raw(env, 'GET', '/proxy/nope/items/1');
    assert.equal(r.status, 404);
    assert.equal(r.json().code, 'not_found');
  });
});
