// Policy at the proxy: every allowlisted request is a decision on the route's catalog tool
// (audited, with its id in the refusal), destructive routes go through the per-call approval
// flow, the per-agent rate limit answers 429, a failing decision point fails closed, and the
// anomaly counters show it all on /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import { auditEvents, proxyTask, raw, startProxyEnv, type Json, type ProxyEnv } from './helpers.js';

describe('http proxy: decisions, approvals, rate limits', () => {
  let env: ProxyEnv;
  let agent: MandateAgent;

  before(async () => {
    env = await startProxyEnv();
    agent = await attestedAgent(env.server, 'proxy-policy', ['tool:items/*', 'tool:limited/*']);
  });
  after(() => env.stop());

  test("a route whose tool the token's scopes do not grant: 403 insufficient_scope with the decision id, audited, nothing forwarded", async () => {
    const { token } = await proxyTask(env, agent, 'items', ['tool:items/get_item']);
    const before = env.upstream.requests.length;
    const r = await raw(env, 'GET', '/proxy/items/items', { token });
    assert.equal(r.status, 403, r.text);
    const p = r.json();
    assert.equal(p.code, 'insufficient_scope');
    assert.equal(p.tool, 'items/list_items');
    assert.equal(p.scope, 'tool:items/list_items');
    assert.match(p.decision_id as string, /\S/);
    assert.match(p.detail as string, /scopes do not grant `tool:items\/list_items`/);
    assert.match(
      String(r.headers['www-authenticate']),
      /resource_metadata="[^"]+", error="insufficient_scope", error_description="[^"]*", scope="tool:items\/list_items"/,
    );
    assert.equal(env.upstream.requests.length, before);
    const audited = (await auditEvents(env)).find(
      (e) => e.action === 'decision' && (e.details as Json).decision_id === p.decision_id,
    );
    assert.ok(audited, "the refusal's decision id is in the audit trail");
    assert.equal(audited.outcome, 'denied');
    assert.equal(audited.target, 'items/list_items');
  });

  test('approval_required: a destructive route asks for an approval bound to exactly this request, usable once', async () => {
    const { token } = await proxyTask(env, agent, 'items', ['tool:items/*']);
    const before = env.upstream.requests.length;
    const first = await raw(env, 'DELETE', '/proxy/items/items/77?hard=true', { token });
    assert.equal(first.status, 403, first.text);
    const p = first.json();
    assert.equal(p.code, 'approval_required');
    assert.match(p.approval_id as string, /^apr_/);
    assert.equal(
      p.approve_url,
      `${env.server.url}/v1/approvals/${p.approval_id as string}/approve`,
    );
    assert.ok(String(p.status_url).endsWith(`/v1/approvals/${p.approval_id as string}/status`));
    assert.equal(env.upstream.requests.length, before, 'nothing forwarded before the approval');

    // The agent polls with its proxy token; a human approves.
    const pending = await fetch(p.status_url as string, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(((await pending.json()) as Json).status, 'pending');
    const approve = await fetch(p.approve_url as string, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.server.adminToken}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    assert.equal(approve.status, 200, await approve.text());

    // Another request (other arguments) is not covered by it.
    const other = await raw(env, 'DELETE', '/proxy/items/items/78?hard=true', { token });
    assert.equal(other.json().code, 'approval_required');
    assert.notEqual(other.json().approval_id, p.approval_id);

    const again = await raw(env, 'DELETE', '/proxy/items/items/77?hard=true', { token });
    assert.equal(again.status, 200, again.text);
    assert.equal(env.upstream.requests.at(-1)?.url, '/api/items/77?hard=true');
    assert.equal(env.upstream.requests.at(-1)?.method, 'DELETE');

    const third = await raw(env, 'DELETE', '/proxy/items/items/77?hard=true', { token });
    assert.equal(third.status, 403, 'an approval is spent by one request');
    assert.equal(third.json().code, 'approval_required');
    const actions = (await auditEvents(env)).map((e) => e.action);
    for (const a of ['approval.request', 'approval.approve', 'approval.use'])
      assert.ok(actions.includes(a), a);
  });

  test('a denial by a policy (not by scope) names the policy and the decision id; policies read the path parameters', async () => {
    const { token } = await proxyTask(env, agent, 'items', ['tool:items/*']);
    const admin = {
      authorization: `Bearer ${env.server.adminToken}`,
      'content-type': 'application/json',
    };
    const active = (await (
      await fetch(`${env.server.url}/v1/policies/1`, { headers: admin })
    ).json()) as { files: { name: string; text: string }[] };
    const forbid =
      '@id("test.no-item-13")\nforbid (principal, action == Mandate::Action::"call_tool", resource)\nwhen { context.arguments.hasTag("params.id") && context.arguments.getTag("params.id") == "13" };\n';
    const created = await fetch(`${env.server.url}/v1/policies`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ files: [...active.files, { name: 'no-13.cedar', text: forbid }] }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { version } = (await created.json()) as { version: number };
    assert.equal(
      (
        await fetch(`${env.server.url}/v1/policies/${version}/activate`, {
          method: 'POST',
          headers: admin,
          body: '{}',
        })
      ).status,
      200,
    );
    try {
      const r = await raw(env, 'GET', '/proxy/items/items/13', { token });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json().code, 'denied');
      assert.deepEqual(r.json().reasons, ['test.no-item-13']);
      assert.match(
        r.json().detail as string,
        /denied `items\/get_item` by test\.no-item-13 \(decision \S+\)/,
      );
      assert.equal(
        r.headers['www-authenticate'],
        undefined,
        'the scope was granted: no scope challenge',
      );
      assert.equal((await raw(env, 'GET', '/proxy/items/items/14', { token })).status, 200);
    } finally {
      await fetch(`${env.server.url}/v1/policies/1/activate`, {
        method: 'POST',
        headers: admin,
        body: '{}',
      });
    }
  });

  test('the per-agent rate limit: 429 with Retry-After once the burst is spent, per agent', async () => {
    const { token } = await proxyTask(env, agent, 'limited', ['tool:limited/*']);
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 3; i++) {
      const r = await raw(env, 'GET', `/proxy/limited/items/${i}`, { token });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    assert.ok(limited);
    assert.match(String(limited.headers['retry-after']), /^[1-9]\d*$/);
    assert.equal(limited.json().code, 'rate_limited');
    assert.ok(
      env.upstream.requests.at(-1)?.url.includes('api_key='),
      'the query credential was injected',
    );
    const other = await attestedAgent(env.server, 'proxy-policy-2', ['tool:limited/*']);
    const { token: otherToken } = await proxyTask(env, other, 'limited', ['tool:limited/*']);
    assert.equal(
      (await raw(env, 'GET', '/proxy/limited/items/9', { token: otherToken })).status,
      200,
      'another agent has its own bucket',
    );
  });

  test('the agent may not send the query parameter the credential sets', async () => {
    const other = await attestedAgent(env.server, 'proxy-policy-3', ['tool:limited/*']);
    const { token } = await proxyTask(env, other, 'limited', ['tool:limited/*']);
    const r = await raw(env, 'GET', '/proxy/limited/items/1?api_key=guess', { token });
    assert.equal(r.status, 400);
    assert.equal(r.json().code, 'reserved_query_parameter');
  });

  test('the decision point failing: 503, the proxy fails closed and says so', async () => {
    const { token } = await proxyTask(env, agent, 'items', ['tool:items/*']);
    const decisions = env.server.mandate.decisions;
    const original = decisions.authorize.bind(decisions);
    decisions.authorize = () => Promise.reject(new Error('cedar engine unavailable'));
    const before = env.upstream.requests.length;
    try {
      const r = await raw(env, 'GET', '/proxy/items/items/1', { token });
      assert.equal(r.status, 503);
      assert.equal(r.json().code, 'decision_point_unavailable');
      assert.match(r.json().detail as string, /fails closed/);
    } finally {
      decisions.authorize = original;
    }
    assert.equal(env.upstream.requests.length, before);
  });

  test('anomaly counters on /metrics: outcomes by route, upstream status classes, rate limiting, denials, first-seen routes', async () => {
    const text = await (await fetch(`${env.server.url}/metrics`)).text();
    assert.match(
      text,
      /mandate_proxy_requests_total\{service="items",route="GET \/items\/\{id\}",outcome="forwarded"\} [1-9]/,
    );
    assert.match(
      text,
      /mandate_proxy_requests_total\{service="items",route="DELETE \/items\/\{id\}",outcome="approval_required"\} [1-9]/,
    );
    assert.match(
      text,
      /mandate_proxy_upstream_responses_total\{service="items",route="DELETE \/items\/\{id\}",status_class="2xx"\} 1/,
    );
    assert.match(text, /mandate_proxy_rate_limited_total\{service="limited"\} 1/);
    assert.match(text, /mandate_proxy_denied_total\{service="items",reason="scope"\} 1/);
    assert.match(
      text,
      /mandate_proxy_route_first_seen_total\{service="items",route="GET \/items\/\{id\}",agent="spiffe:\/\/[^"]+\/agent\/proxy-policy"\} 1/,
    );
    assert.match(text, /mandate_proxy_request_duration_seconds_bucket/);
  });
});
