// One enforcement core (issue 14): a call is authenticated, checked for revocation and decided
// once. The MCP gateway used to check revocation in its token verifier and again in its call
// pipeline, and the HTTP proxy in its verifier and again in a step of its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import type { RevocableToken } from '../../../src/revocation/registry.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import type { TestServer } from '../../fakes/server.js';
import { attestedAgent } from '../helpers/agents.js';
import { proxyTask, raw, startProxyEnv, type ProxyEnv } from '../proxy/helpers.js';
import { gatewayTask, INITIALIZE, rawPost, startGateway, type GatewayEnv } from './helpers.js';

/** Counts the revocation checks and decisions made for `taskId` while `fn` runs. */
async function counting(
  server: TestServer,
  taskId: string,
  fn: () => Promise<void>,
): Promise<{ revocationChecks: number; decisions: number }> {
  const { revocations, decisions } = server.mandate;
  const check = revocations.check.bind(revocations);
  const authorize = decisions.authorize.bind(decisions);
  const counts = { revocationChecks: 0, decisions: 0 };
  revocations.check = (t: RevocableToken) => {
    if (t.task_id === taskId) counts.revocationChecks++;
    return check(t);
  };
  decisions.authorize = async (input) => {
    if (input.principal.taskId === taskId) counts.decisions++;
    return authorize(input);
  };
  try {
    await fn();
  } finally {
    revocations.check = check;
    decisions.authorize = authorize;
  }
  return counts;
}

const send = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: 'mail__send_email',
    arguments: { to: 'a@partner.example', subject: 's', body: 'b' },
  },
});

describe('one enforcement core: each call is checked once', () => {
  describe('mcp gateway', () => {
    let env: GatewayEnv;
    let agent: MandateAgent;

    before(async () => {
      // A clock moved by hand: the session sweep (which checks revocation too) never runs here.
      env = await startGateway({ clock: new ManualClock(Date.now()) });
      agent = await attestedAgent(env.server, 'checked-once', ['tool:mail/*']);
    });
    after(() => env.stop());

    /** A session at `version` over plain fetch, so that each call below is exactly one HTTP request. */
    async function session(token: string, version: string) {
      const headers = { authorization: `Bearer ${token}`, 'mcp-protocol-version': version };
      const init = await rawPost(
        env,
        { ...INITIALIZE, params: { ...INITIALIZE.params, protocolVersion: version } },
        headers,
      );
      assert.equal(init.status, 200);
      await init.arrayBuffer();
      const sessionHeaders = {
        ...headers,
        'mcp-session-id': init.headers.get('mcp-session-id') ?? '',
      };
      await (
        await rawPost(env, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders)
      ).arrayBuffer();
      return async (body: unknown): Promise<string> => {
        const res = await rawPost(env, body, sessionHeaders);
        assert.equal(res.status, 200);
        return res.text();
      };
    }

    test('a tools/call: one revocation check (its HTTP request) and one decision', async () => {
      const { token, taskId } = await gatewayTask(env, agent, ['tool:mail/send_email']);
      const post = await session(token, '2025-11-25');
      const before = env.mail.calls.length;
      const counts = await counting(env.server, taskId, async () => {
        assert.match(await post(send(2)), /"id":2/);
      });
      assert.equal(env.mail.calls.length, before + 1, 'the call went through');
      assert.deepEqual(counts, { revocationChecks: 1, decisions: 1 });
    });

    test('a batch of two calls (mcp 2025-03-26): one revocation check for the request, one decision per call', async () => {
      const { token, taskId } = await gatewayTask(env, agent, ['tool:mail/send_email']);
      const post = await session(token, '2025-03-26');
      const before = env.mail.calls.length;
      const counts = await counting(env.server, taskId, async () => {
        const text = await post([send(2), send(3)]);
        assert.match(text, /"id":2/);
        assert.match(text, /"id":3/);
      });
      assert.equal(env.mail.calls.length, before + 2, 'both went through');
      assert.deepEqual(counts, { revocationChecks: 1, decisions: 2 });
    });
  });

  describe('http proxy', () => {
    let env: ProxyEnv;
    let agent: MandateAgent;

    before(async () => {
      env = await startProxyEnv();
      agent = await attestedAgent(env.server, 'checked-once-proxy', ['tool:items/*']);
    });
    after(() => env.stop());

    test('a proxied request: one revocation check and one decision', async () => {
      const { token, taskId } = await proxyTask(env, agent, 'items', ['tool:items/get_item']);
      let status = 0;
      const counts = await counting(env.server, taskId, async () => {
        status = (await raw(env, 'GET', '/proxy/items/items/1', { token })).status;
      });
      assert.equal(status, 200);
      assert.deepEqual(counts, { revocationChecks: 1, decisions: 1 });
    });
  });
});
