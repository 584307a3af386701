// The whole human-to-agent delegation flow against a real identity provider (oidc-provider on a
// loopback port) with openid-client inside Mandate: an agent asks a human for access, the human is
// told (a signed webhook, the inbox), signs in (authorization code + PKCE through the provider's
// own login and consent pages) and approves a narrower grant; the agent exchanges it for an
// on-behalf-of token (sub = the human, act = the agent, never outliving the grant) and its calls
// are decided; a destructive call waits for the human's per-call approval, bound to its arguments;
// the human revokes the grant mid-task and the next call is denied.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { Browser, type Page } from './browser.js';
import {
  agentFor,
  agentForm,
  asHuman,
  auditEvents,
  authorize,
  exchangeGrant,
  GATEWAY,
  mailTools,
  requestGrant,
  startDelegationServer,
  WEBHOOK_SECRET,
  type DelegationServer,
} from './helpers.js';
import { startIdp, type Idp } from './idp.js';
import { WebhookReceiver } from './webhook-receiver.js';

const ALICE = 'alice@example.org';
const OLIVIA = 'olivia@example.org';
const CAROL = 'carol@example.org';
const BOB = 'bob@example.org';
const SCOPES = ['tool:mail/read', 'tool:mail/send', 'tool:mail/delete'];

describe('human-to-agent delegation with a real identity provider', () => {
  let idp: Idp;
  let server: DelegationServer;
  let hooks: WebhookReceiver;
  let agent: MandateAgent;
  let spiffeId: string;
  const alice = new Browser();

  /** A human signs in through the provider's pages and lands on Mandate's inbox. */
  async function signIn(browser: Browser, login: string): Promise<Page> {
    const loginPage = await browser.get(`${server.url}/auth/login?return_to=/inbox`);
    assert.equal(loginPage.status, 200, loginPage.html.slice(0, 300));
    assert.ok(loginPage.url.startsWith(idp.issuer), `at the provider: ${loginPage.url}`);
    const consent = await browser.submit(loginPage, { login, password: 'any' });
    const landed = consent.url.startsWith(idp.issuer) ? await browser.submit(consent, {}) : consent;
    return landed;
  }

  before(async () => {
    hooks = await new WebhookReceiver(WEBHOOK_SECRET).start();
    // Mandate listens on port 0; the IdP builds its client (with Mandate's callback) at its first request.
    idp = await startIdp({
      redirectUri: () => `${server.url}/auth/callback`,
      groups: { [BOB]: ['security'], [OLIVIA]: ['security', 'dev'], [CAROL]: ['sales'] },
    });
    server = await startDelegationServer({
      flags: {
        oidcIssuer: idp.issuer,
        oidcClientId: idp.clientId,
        oidcScopes: 'openid email groups',
        approverGroups: 'security',
        webhookUrl: hooks.url,
      },
      env: { MANDATE_OIDC_CLIENT_SECRET: idp.clientSecret, MANDATE_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    await mailTools(server);
    agent = await agentFor(server, 'mailbot', OLIVIA, ['tool:mail/*']);
    spiffeId = agent.spiffeId!;
  });
  after(async () => {
    await server?.stop();
    await idp?.close();
    await hooks?.close();
  });

  test('sign-in: authorization code + PKCE S256 with state and nonce, then a session cookie', async () => {
    const landed = await signIn(alice, ALICE);
    assert.equal(landed.status, 200);
    assert.equal(new URL(landed.url).pathname, '/inbox');
    assert.match(landed.html, /Inbox of alice@example\.org/);
    const auth = idp.authorizations.at(-1)!;
    assert.equal(auth.get('code_challenge_method'), 'S256');
    assert.match(auth.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(auth.get('state') && auth.get('nonce'), 'state and nonce');
    assert.equal(auth.get('redirect_uri'), `${server.config.issuer}/auth/callback`);
    assert.ok(
      alice.cookie('127.0.0.1', 'mandate-session'),
      'a session cookie (plain-named: the issuer is http on loopback)',
    );
    assert.equal(
      alice.cookie('127.0.0.1', 'mandate-login'),
      undefined,
      'the login state cookie is spent',
    );
    const me = await asHuman(server, alice, 'GET', '/v1/inbox');
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.deepEqual(me.json.human, { id: ALICE, groups: [], admin: false });
  });

  let requestId: string;
  let grantExpiresAt: number;
  let token: string;
  let taskId: string;

  test('the agent asks alice for access; she hears of it from a signed webhook and in her inbox', async () => {
    const asked = await requestGrant(server, agent, ALICE, SCOPES, 3600);
    assert.equal(asked.status, 201, JSON.stringify(asked.json));
    requestId = String(asked.json.id);
    assert.equal(asked.json.status, 'pending');
    assert.deepEqual(asked.json.scopes, SCOPES);
    const hook = await hooks.waitFor(
      (d) => d.type === 'grant_request.created' && d.json.data.id === requestId,
    );
    assert.equal(hook.verified, true, 'the HMAC-SHA256 signature verifies with the shared secret');
    assert.match(hook.signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(hook.json.data.human, ALICE);
    assert.equal(hook.json.data.agent, spiffeId);
    assert.equal(hook.json.data.inbox_url, `${server.config.issuer}/inbox`);
    assert.doesNotMatch(hook.body, /eyJ/, 'no token in a webhook payload');
    const inbox = await asHuman(server, alice, 'GET', '/v1/inbox');
    assert.deepEqual(
      (inbox.json.grant_requests as { id: string }[]).map((r) => r.id),
      [requestId],
    );
    const status = await agentForm(server, agent, `/v1/grant-requests/${requestId}/status`, {});
    assert.equal(status.json.status, 'pending');
  });

  test('another human can neither see nor answer it', async () => {
    const carol = new Browser();
    await signIn(carol, CAROL);
    assert.deepEqual((await asHuman(server, carol, 'GET', '/v1/inbox')).json.grant_requests, []);
    const tried = await asHuman(
      server,
      carol,
      'POST',
      `/v1/grant-requests/${requestId}/approve`,
      {},
    );
    assert.equal(tried.status, 404, JSON.stringify(tried.json));
    const refused = (await auditEvents(server)).find(
      (e) => e.action === 'grant_request.approve' && e.outcome === 'denied',
    );
    assert.equal(refused?.actor, `human:${CAROL}`);
  });

  test('a session cookie without this origin cannot answer (CSRF), nor can a forged cookie', async () => {
    const url = `${server.url}/v1/grant-requests/${requestId}/deny`;
    const cookie = alice.cookieHeader(url);
    const crossSite = await fetch(url, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(crossSite.status, 403);
    const noOrigin = await fetch(url, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(noOrigin.status, 403);
    const forged = await fetch(`${server.url}/v1/inbox`, {
      headers: { cookie: `mandate-session=mhs_${'A'.repeat(43)}` },
    });
    assert.equal(forged.status, 401);
    assert.equal(
      (await asHuman(server, alice, 'GET', `/v1/grant-requests/${requestId}`)).json.status,
      'pending',
      'nothing was answered',
    );
  });

  test('alice approves in her inbox page, narrowed: without mail/send, for half the time', async () => {
    const page = await alice.get(`${server.url}/inbox`);
    assert.match(page.html, /mailbot/);
    const done = await alice.submit(
      page,
      { scope: ['tool:mail/read', 'tool:mail/delete'], ttl: '1800' },
      '/inbox/act',
    );
    assert.equal(new URL(done.url).pathname, '/inbox');
    assert.match(decodeURIComponent(done.url), /approved: grant/, done.url);
    const status = await agentForm(server, agent, `/v1/grant-requests/${requestId}/status`, {});
    assert.equal(status.json.status, 'approved');
    assert.equal(status.json.grant_id, requestId, "the grant carries the request's id");
    const grant = status.json.grant as { scopes: string[]; expires_at: string };
    assert.deepEqual(grant.scopes, ['tool:mail/read', 'tool:mail/delete']);
    grantExpiresAt = Date.parse(grant.expires_at);
    assert.ok(
      grantExpiresAt <= Date.now() + 1800_000 + 1000 && grantExpiresAt > Date.now() + 1700_000,
      grant.expires_at,
    );
    const hook = await hooks.waitFor(
      (d) => d.type === 'grant_request.approved' && d.json.data.id === requestId,
    );
    assert.equal(hook.verified, true);
    assert.equal(hook.json.data.decided_by, `human:${ALICE}`);
    const audited = (await auditEvents(server)).find(
      (e) => e.action === 'grant_request.approve' && e.outcome === 'success',
    );
    assert.equal(audited?.actor, `human:${ALICE}`);
    assert.equal((audited?.details as { narrowed: boolean }).narrowed, true);
  });

  test('approving again, or wider than asked, is refused', async () => {
    assert.equal(
      (await asHuman(server, alice, 'POST', `/v1/grant-requests/${requestId}/approve`, {})).status,
      409,
    );
    const other = await requestGrant(server, agent, ALICE, ['tool:mail/read'], 600);
    const wider = await asHuman(
      server,
      alice,
      'POST',
      `/v1/grant-requests/${String(other.json.id)}/approve`,
      { scopes: ['tool:mail/*'] },
    );
    assert.equal(wider.status, 400, JSON.stringify(wider.json));
    const longer = await asHuman(
      server,
      alice,
      'POST',
      `/v1/grant-requests/${String(other.json.id)}/approve`,
      { ttl: 601 },
    );
    assert.equal(longer.status, 400, JSON.stringify(longer.json));
    const denied = await asHuman(
      server,
      alice,
      'POST',
      `/v1/grant-requests/${String(other.json.id)}/deny`,
      { note: 'not now' },
    );
    assert.equal(denied.json.status, 'denied');
    const status = await agentForm(
      server,
      agent,
      `/v1/grant-requests/${String(other.json.id)}/status`,
      {},
    );
    assert.deepEqual(
      [status.json.status, status.json.note, status.json.grant_id],
      ['denied', 'not now', undefined],
    );
    const exchanged = await exchangeGrant(server, agent, String(other.json.id));
    assert.equal(exchanged.status, 400, 'a denied request is no grant');
  });

  test('the agent gets an on-behalf-of token: sub = alice, act = the agent, never past the grant', async () => {
    const tooWide = await exchangeGrant(server, agent, requestId, ['tool:mail/send']);
    assert.equal(tooWide.status, 400);
    assert.equal(tooWide.json.error, 'invalid_scope');
    const issued = await exchangeGrant(server, agent, requestId);
    assert.equal(issued.status, 200, JSON.stringify(issued.json));
    token = String(issued.json.access_token);
    taskId = String(issued.json.task_id);
    const claims = decodeJwt(token);
    assert.equal(claims.sub, ALICE);
    assert.deepEqual(claims.act, { sub: spiffeId });
    assert.equal(claims.grant_id, requestId);
    assert.deepEqual(String(claims.scope).split(' ').sort(), [
      'tool:mail/delete',
      'tool:mail/read',
    ]);
    assert.ok(claims.exp! * 1000 <= grantExpiresAt, "exp <= the grant's expiry");
    assert.deepEqual(claims.aud, [GATEWAY]);
  });

  test('its calls are decided: a granted read is allowed, the scope alice took away is not', async () => {
    const read = await authorize(server, token, 'mail/read', { id: 'm1' });
    assert.equal(read.decision, 'allow', JSON.stringify(read));
    const send = await authorize(server, token, 'mail/send', { id: 'm1' });
    assert.equal(send.decision, 'deny');
  });

  test('a destructive call waits for a per-call approval: who may answer, and only this exact call', async () => {
    const args = { id: 'm1' };
    const d = await authorize(server, token, 'mail/delete', args);
    assert.equal(d.decision, 'approval_required', JSON.stringify(d));
    // What the enforcement point (the MCP gateway, the HTTP proxy) does on approval_required.
    const ask = {
      agent: spiffeId,
      taskId,
      target: 'mail/delete',
      arguments: args,
      policySetVersion: String(d.policy_set_version),
      reasons: d.reasons as string[],
    };
    const ticket = await server.mandate.approvals.request({
      ...ask,
      decisionId: String(d.decision_id),
      audience: GATEWAY,
    });
    const hook = await hooks.waitFor(
      (h) => h.type === 'approval.requested' && h.json.data.id === ticket.id,
    );
    assert.equal(hook.verified, true);
    assert.equal(hook.json.data.target, 'mail/delete');
    assert.match(String(hook.json.data.arguments_digest), /^[0-9a-f]{64}$/);
    assert.doesNotMatch(hook.body, /"m1"/, 'the arguments themselves are not in the payload');

    const carol = new Browser();
    await signIn(carol, CAROL);
    const byCarol = await asHuman(server, carol, 'POST', `/v1/approvals/${ticket.id}/approve`, {});
    assert.equal(byCarol.status, 403);
    assert.match(
      String(byCarol.json.detail),
      /may not answer this approval: it is for the human the task acts for \(`alice@example\.org`\) or a member of `security`/,
    );
    const olivia = new Browser();
    await signIn(olivia, OLIVIA);
    const byOwner = await asHuman(server, olivia, 'POST', `/v1/approvals/${ticket.id}/approve`, {});
    assert.equal(
      byOwner.status,
      403,
      "the agent's owner, though an approver, may not approve its own agent (allowOwnerSelfApproval is off)",
    );
    assert.match(String(byOwner.json.detail), /owns the agent/);
    assert.deepEqual(
      (await asHuman(server, olivia, 'GET', '/v1/inbox')).json.approvals,
      [],
      'nor is it in her inbox',
    );

    const inbox = await asHuman(server, alice, 'GET', '/v1/inbox');
    assert.deepEqual(
      (inbox.json.approvals as { id: string }[]).map((a) => a.id),
      [ticket.id],
      'the resource owner sees it',
    );
    const approved = await asHuman(server, alice, 'POST', `/v1/approvals/${ticket.id}/approve`, {
      note: 'that one is spam',
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    assert.equal(approved.json.decided_by, `human:${ALICE}`);
    assert.equal(
      (await hooks.waitFor((h) => h.type === 'approval.approved' && h.json.data.id === ticket.id))
        .verified,
      true,
    );

    assert.equal(
      await server.mandate.approvals.consume({ ...ask, arguments: { id: 'm2' } }),
      false,
      'a changed argument is not approved',
    );
    assert.equal(await server.mandate.approvals.consume(ask), true, 'the identical call spends it');
    assert.equal(await server.mandate.approvals.consume(ask), false, 'once');
    assert.equal((await authorize(server, token, 'mail/delete', args, true)).decision, 'allow');

    const events = await auditEvents(server);
    const refusals = events
      .filter((e) => e.action === 'approval.approve' && e.outcome === 'denied')
      .map((e) => e.actor);
    assert.deepEqual(refusals, [`human:${CAROL}`, `human:${OLIVIA}`]);
    assert.equal(
      events.find((e) => e.action === 'approval.approve' && e.outcome === 'success')?.actor,
      `human:${ALICE}`,
    );
  });

  test('a member of an approver group answers approvals of calls made for someone else', async () => {
    const args = { id: 'm3' };
    const d = await authorize(server, token, 'mail/delete', args);
    const ticket = await server.mandate.approvals.request({
      agent: spiffeId,
      taskId,
      target: 'mail/delete',
      arguments: args,
      policySetVersion: String(d.policy_set_version),
      reasons: d.reasons as string[],
      decisionId: String(d.decision_id),
      audience: GATEWAY,
    });
    const bob = new Browser();
    await signIn(bob, BOB);
    const page = await bob.get(`${server.url}/inbox`);
    assert.match(page.html, /mail\/delete/);
    const done = await bob.submit(page, { action: 'deny' }, '/inbox/act');
    assert.match(decodeURIComponent(done.url), /denied the call to mail\/delete/, done.url);
    assert.equal((await server.mandate.approvals.get(ticket.id))?.decidedBy, `human:${BOB}`);
  });

  test('alice narrows the grant: the task under it ends, a new token gets only what is left', async () => {
    const widen = await asHuman(server, alice, 'POST', `/v1/grants/${requestId}/narrow`, {
      scopes: ['tool:mail/*'],
    });
    assert.equal(widen.status, 400, 'never wider');
    const same = await asHuman(server, alice, 'POST', `/v1/grants/${requestId}/narrow`, {
      scopes: ['tool:mail/delete', 'tool:mail/read'],
    });
    assert.equal(same.status, 400, 'the same terms are no narrowing (and end no task)');
    const narrowed = await asHuman(server, alice, 'POST', `/v1/grants/${requestId}/narrow`, {
      scopes: ['tool:mail/read'],
    });
    assert.equal(narrowed.status, 200, JSON.stringify(narrowed.json));
    assert.deepEqual(narrowed.json.ended_tasks, [taskId]);
    const before = await authorize(server, token, 'mail/read');
    assert.equal(before.decision, 'deny', 'the old token died with its task');
    const issued = await exchangeGrant(server, agent, requestId);
    assert.equal(issued.status, 200, JSON.stringify(issued.json));
    token = String(issued.json.access_token);
    assert.equal(decodeJwt(token).scope, 'tool:mail/read');
    assert.equal((await authorize(server, token, 'mail/read')).decision, 'allow');
    assert.equal((await hooks.waitFor((h) => h.type === 'grant.narrowed')).verified, true);
    const mine = await asHuman(server, alice, 'GET', '/v1/grants');
    assert.deepEqual(
      (mine.json.grants as { id: string; scopes: string[] }[]).map((g) => [g.id, g.scopes]),
      [[requestId, ['tool:mail/read']]],
    );
  });

  test('alice revokes the grant mid-task: the next call is denied, for a token delegated from it too, and no new token is issued', async () => {
    // The agent hands part of its on-behalf-of token to a helper agent (RFC 8693 delegation): the child still acts for alice.
    const helper = await agentFor(server, 'summarizer', OLIVIA, ['tool:mail/read']);
    await server.admin.addTrustRule({ from: spiffeId, to: helper.spiffeId! });
    const child = await agent.delegate(token, {
      delegateSvid: await helper.delegationSvidFor(spiffeId),
      resource: GATEWAY,
      scope: ['tool:mail/read'],
    });
    const childClaims = decodeJwt(child.accessToken);
    assert.equal(childClaims.sub, ALICE);
    assert.deepEqual(childClaims.act, { sub: helper.spiffeId, act: { sub: spiffeId } });
    assert.equal(childClaims.grant_id, requestId);
    assert.equal((await authorize(server, child.accessToken, 'mail/read')).decision, 'allow');
    const carol = new Browser();
    await signIn(carol, CAROL);
    assert.equal(
      (await asHuman(server, carol, 'POST', `/v1/grants/${requestId}/revoke`)).status,
      404,
      'not hers to revoke',
    );
    const revoked = await asHuman(server, alice, 'POST', `/v1/grants/${requestId}/revoke`);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
    assert.equal(revoked.json.status, 'revoked');
    for (const t of [token, child.accessToken]) {
      const next = await authorize(server, t, 'mail/read');
      assert.equal(next.decision, 'deny');
      assert.equal(next.decision_id, null);
      assert.match(JSON.stringify(next.errors), /grant/);
    }
    const again = await exchangeGrant(server, agent, requestId);
    assert.equal(again.status, 400);
    assert.match(String(again.json.error_description), /revoked/);
    assert.equal(
      (await hooks.waitFor((h) => h.type === 'grant.revoked')).json.data.by,
      `human:${ALICE}`,
    );
    assert.equal(
      (await auditEvents(server)).find((e) => e.action === 'grant.revoke')?.actor,
      `human:${ALICE}`,
    );
    assert.ok(
      hooks.deliveries.every((d) => d.verified),
      'every delivery was signed',
    );
  });

  test('sign-out ends the session server-side', async () => {
    const out = await asHuman(server, alice, 'POST', '/auth/logout');
    assert.equal(out.status, 204);
    const after = await asHuman(server, alice, 'GET', '/v1/inbox');
    assert.equal(after.status, 401, 'the old cookie no longer signs anyone in');
  });
});
