// MCP step-up on one session (MCP 2025-11-25 "step-up authorization flow"): after a 403
// `insufficient_scope` naming the scope a call needs, a client re-authorizes and resends on the
// SAME session with a newer token. The session admits it when it is the same client acting for the
// same human under the same grant, and from then on uses its scopes; any other change of principal
// is refused, and a session never goes back to a token it moved on from. Challenges carry a
// bounded `scope=` (RFC 6750 §3), read here by the official SDK's own parser.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import {
  boundedScope,
  MAX_CHALLENGE_SCOPE_LENGTH,
  MAX_CHALLENGE_SCOPES,
} from '../../../src/gateway/mcp/challenge-scope.js';
import { attestedAgent, spiffeIdOf } from '../helpers/agents.js';
import {
  auditEvents,
  gatewayTask,
  INITIALIZE,
  rawPost,
  startGateway,
  type GatewayEnv,
  type Json,
} from './helpers.js';

const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';
const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

const claimsOf = (token: string): Json =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Json;

const call = (id: number, name: string, args: Json = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

describe('mcp gateway: step-up on the same session', () => {
  let env: GatewayEnv;
  let alpha: MandateAgent;
  let beta: MandateAgent;

  /** A grant from `human` to `agent`, by the admin API. */
  async function grant(agent: string, human: string): Promise<string> {
    const res = await fetch(`${env.server.url}/v1/grants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${env.server.adminToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        human,
        agent: spiffeIdOf(env.server, agent),
        scopes: ['tool:mail/*'],
        purpose: 'step-up e2e',
        ttl: 3600,
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    return String(((await res.json()) as Json).id);
  }

  /** RFC 8693 on-behalf-of: the grant id exchanged by its agent for a gateway token (a new task each time). */
  async function onBehalf(agent: MandateAgent, grantId: string, scope: string): Promise<string> {
    const res = await fetch(`${env.server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token: grantId,
        subject_token_type: 'urn:mandate:params:oauth:token-type:grant',
        resource: env.mcpUrl.href,
        scope,
        client_assertion_type: JWT_SPIFFE,
        client_assertion: await agent.svidFor(env.server.config.issuer),
      }),
    });
    const body = (await res.json()) as Json;
    assert.equal(res.status, 200, JSON.stringify(body));
    return String(body.access_token);
  }

  /** A session opened with `token` (raw initialize); its id. */
  async function open(token: string): Promise<string> {
    const res = await rawPost(env, INITIALIZE, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    return res.headers.get('mcp-session-id')!;
  }

  const post = (token: string, session: string, body: unknown) =>
    rawPost(env, body, { authorization: `Bearer ${token}`, 'mcp-session-id': session });

  before(async () => {
    env = await startGateway();
    alpha = await attestedAgent(env.server, 'alpha', ['tool:mail/*']);
    beta = await attestedAgent(env.server, 'beta', ['tool:mail/*']);
  });
  after(() => env.stop());

  test('a 403 names the scope; a newer token of the same client, human and grant is admitted on the same session and its scopes apply', async () => {
    const g = await grant('alpha', ALICE);
    const narrow = await onBehalf(alpha, g, 'tool:mail/count');
    const session = await open(narrow);

    const refused = await post(narrow, session, call(2, 'mail__read_inbox'));
    assert.equal(refused.status, 403);
    const challenge = extractWWWAuthenticateParams(refused);
    assert.equal(challenge.error, 'insufficient_scope');
    assert.equal(challenge.scope, 'tool:mail/read_inbox', 'only what this call needs');

    const wider = await onBehalf(alpha, g, 'tool:mail/count tool:mail/read_inbox');
    assert.notEqual(claimsOf(wider).task_id, claimsOf(narrow).task_id, 'another task');
    const retried = await post(wider, session, call(3, 'mail__read_inbox'));
    assert.equal(retried.status, 200, await retried.clone().text());
    const text = await retried.text();
    assert.doesNotMatch(text, /"isError":true/);
    assert.match(text, /"id":3/);

    const audit = (await auditEvents(env.server)).filter(
      (e) => e.action === 'gateway.session_step_up' && (e.details as Json).session === session,
    );
    assert.equal(audit.length, 1);
    const d = audit[0]!.details as Json;
    assert.equal(d.task, claimsOf(wider).task_id);
    assert.equal(d.grant, g);
    assert.deepEqual((d.from as Json).task, claimsOf(narrow).task_id);

    // INVARIANT: a session never goes back, even to a token still valid for its own task.
    const back = await post(narrow, session, call(4, 'mail__count', { n: 1 }));
    assert.equal(back.status, 403);
    assert.match(await back.text(), /bound to another task or agent/);
    // The newer token still works on it.
    const again = await post(wider, session, call(5, 'mail__count', { n: 1 }));
    assert.equal(again.status, 200);
    await again.body?.cancel();
  });

  test('any other change of principal is refused: another agent, another human, another grant, no grant', async () => {
    const g = await grant('alpha', ALICE);
    const first = await onBehalf(alpha, g, 'tool:mail/count');
    const session = await open(first);
    const others = {
      'another agent (same human)': await onBehalf(
        beta,
        await grant('beta', ALICE),
        'tool:mail/count',
      ),
      'the same agent for another human': await onBehalf(
        alpha,
        await grant('alpha', BOB),
        'tool:mail/count',
      ),
      'the same agent and human under another grant': await onBehalf(
        alpha,
        await grant('alpha', ALICE),
        'tool:mail/count',
      ),
      'the same agent without a grant': (await gatewayTask(env, alpha, ['tool:mail/count'])).token,
    };
    for (const [who, token] of Object.entries(others)) {
      const res = await post(token, session, call(2, 'mail__count', { n: 1 }));
      assert.equal(res.status, 403, who);
      assert.match(await res.text(), /bound to another task or agent/, who);
    }
    // The session itself is untouched.
    const ok = await post(first, session, call(3, 'mail__count', { n: 1 }));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test('a revoked newer token is refused (401) and the session stays with its token', async () => {
    const g = await grant('alpha', ALICE);
    const first = await onBehalf(alpha, g, 'tool:mail/count');
    const session = await open(first);
    const newer = await onBehalf(alpha, g, 'tool:mail/*');
    await env.server.admin.endTask(String(claimsOf(newer).task_id));
    const res = await post(newer, session, call(2, 'mail__count', { n: 1 }));
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const ok = await post(first, session, call(3, 'mail__count', { n: 1 }));
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  });

  test('401 without a token names the called tool, or the base scope (one wildcard per upstream)', async () => {
    const tool = await rawPost(env, call(1, 'mail__read_inbox'));
    assert.equal(tool.status, 401);
    assert.equal(extractWWWAuthenticateParams(tool).scope, 'tool:mail/read_inbox');
    assert.doesNotMatch(tool.headers.get('www-authenticate') ?? '', /error=/);

    const init = await rawPost(env, INITIALIZE);
    assert.equal(init.status, 401);
    assert.equal(extractWWWAuthenticateParams(init).scope, 'tool:mail/*');

    // A name the gateway does not expose never reaches the header.
    const unknown = await rawPost(env, call(1, 'mail__nope", error="x'));
    assert.equal(extractWWWAuthenticateParams(unknown).scope, 'tool:mail/*');

    // A batch of every tool: bounded.
    const many = Array.from({ length: 7 }, (_, i) =>
      call(
        i + 1,
        ['mail__count', 'mail__read_inbox', 'mail__send_email', 'mail__summarize'][i % 4]!,
      ),
    );
    const batch = await fetch(env.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(many),
    });
    assert.equal(batch.status, 401);
    assert.equal(
      extractWWWAuthenticateParams(batch).scope,
      'tool:mail/count tool:mail/read_inbox tool:mail/send_email tool:mail/summarize',
    );
  });

  test('the challenge scope is bounded in count and length', () => {
    const scopes = Array.from({ length: 50 }, (_, i) => `tool:s${i}/${'x'.repeat(40)}`);
    const s = boundedScope(scopes)!;
    assert.ok(s.split(' ').length <= MAX_CHALLENGE_SCOPES);
    assert.ok(s.length <= MAX_CHALLENGE_SCOPE_LENGTH);
    assert.equal(boundedScope(['a', 'a', 'b']), 'a b');
    assert.equal(boundedScope([]), undefined);
    assert.equal(boundedScope(['x'.repeat(MAX_CHALLENGE_SCOPE_LENGTH + 1), 'b']), 'b');
  });
});
