// Human sign-in, adversarially: against the real identity provider, every way a callback can be
// wrong is refused (no login cookie, an edited state, a replayed code, the human aborting, an
// unverified email, an open redirect), each refusal audited without a code, token or cookie; and
// the local admin sign-in of the embedded default.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Browser } from './browser.js';
import { asHuman, auditEvents, startDelegationServer, type DelegationServer } from './helpers.js';
import { startIdp, type Idp } from './idp.js';

describe('human sign-in, adversarially', () => {
  let idp: Idp;
  let server: DelegationServer;

  /** Runs the provider's login and consent pages up to (not into) Mandate's callback; returns the callback URL. */
  async function toCallback(browser: Browser, login: string, returnTo = '/inbox'): Promise<string> {
    const stopAt = `${server.url}/auth/callback`;
    const page = await browser.get(
      `${server.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`,
    );
    const afterLogin = await browser.submit(page, { login, password: 'x' }, undefined, stopAt);
    const end = afterLogin.url.startsWith(stopAt)
      ? afterLogin
      : await browser.submit(afterLogin, {}, undefined, stopAt);
    assert.ok(end.url.startsWith(stopAt), end.url);
    return end.url;
  }

  before(async () => {
    // Mandate listens on port 0; the IdP builds its client (with Mandate's callback) at its first request.
    idp = await startIdp({
      redirectUri: () => `${server.url}/auth/callback`,
      groups: {},
      unverified: ['mallory@example.org'],
    });
    server = await startDelegationServer({
      flags: {
        oidcIssuer: idp.issuer,
        oidcClientId: idp.clientId,
        oidcScopes: 'openid email groups',
      },
      env: { MANDATE_OIDC_CLIENT_SECRET: idp.clientSecret },
    });
  });
  after(async () => {
    await server?.stop();
    await idp?.close();
  });

  test('a callback completes once, with the login cookie of the browser that started it', async () => {
    const browser = new Browser();
    const callback = await toCallback(browser, 'alice@example.org');
    const loginCookie = browser.cookie('127.0.0.1', 'mandate-login')!;
    assert.ok(loginCookie);
    // Another browser (an attacker who got the URL) has no login cookie for it.
    const other = new Browser();
    assert.equal((await other.get(callback)).status, 401);
    const done = await browser.get(callback);
    assert.equal(new URL(done.url).pathname, '/inbox');
    assert.equal((await asHuman(server, browser, 'GET', '/v1/inbox')).status, 200);
    // Replaying the callback with the (spent) login cookie put back: the code is spent at the provider.
    const replay = await fetch(callback, {
      headers: { cookie: `mandate-login=${loginCookie}` },
      redirect: 'manual',
    });
    assert.equal(replay.status, 401);
    assert.match(
      ((await replay.json()) as { detail: string }).detail,
      /identity provider refused the code exchange|does not verify/,
    );
  });

  test('an edited state or a forged login cookie is refused', async () => {
    const browser = new Browser();
    const callback = new URL(await toCallback(browser, 'alice@example.org'));
    callback.searchParams.set('state', 'attacker-state');
    assert.equal((await browser.get(callback.href)).status, 401);
    const again = new Browser();
    const cb = await toCallback(again, 'alice@example.org');
    const cookie = again.cookie('127.0.0.1', 'mandate-login')!;
    const [body, sig] = cookie.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = `${Buffer.from(JSON.stringify({ ...payload, returnTo: '/v1/grants' })).toString('base64url')}.${sig}`;
    const res = await fetch(cb, {
      headers: { cookie: `mandate-login=${forged}` },
      redirect: 'manual',
    });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { detail: string }).detail, /did not start here/);
  });

  test('the human aborting at the provider, or an unverified email, signs no one in', async () => {
    const browser = new Browser();
    const page = await browser.get(`${server.url}/auth/login`);
    const abort = /href="([^"]*abort[^"]*)"/u.exec(page.html)![1]!;
    const aborted = await browser.get(new URL(abort.replace(/&amp;/gu, '&'), page.url).href);
    assert.equal(aborted.status, 401);
    assert.match(aborted.html, /access_denied/);
    const mallory = new Browser();
    const landed = await mallory.submit(await mallory.get(`${server.url}/auth/login`), {
      login: 'mallory@example.org',
      password: 'x',
    });
    const end = landed.url.startsWith(idp.issuer) ? await mallory.submit(landed, {}) : landed;
    assert.equal(end.status, 401);
    assert.match(end.html, /not verified this email/);
    assert.equal(mallory.cookie('127.0.0.1', 'mandate-session'), undefined);
    const failures = (await auditEvents(server)).filter(
      (e) => e.action === 'human.sign_in' && e.outcome === 'failure',
    );
    assert.ok(failures.some((e) => (e.details as { reason: string }).reason === 'access_denied'));
    assert.ok(
      failures.some((e) => (e.details as { reason: string }).reason === 'email_unverified'),
    );
    const all = JSON.stringify(await auditEvents(server));
    assert.doesNotMatch(all, /code=|mhs_/, 'no authorization code or session id in the audit log');
  });

  test('return_to never leaves this server', async () => {
    const browser = new Browser();
    const callback = await toCallback(browser, 'alice@example.org', 'https://evil.example/steal');
    const landed = await browser.get(callback);
    assert.equal(landed.url, `${server.url}/inbox`);
  });

  test('the local admin sign-in: the admin token gives a session for `admin`; anything else is refused and audited', async () => {
    const browser = new Browser();
    const page = await browser.get(`${server.url}/inbox`);
    assert.match(page.html, /Sign in with your organisation/);
    assert.equal(
      page.headers.get('content-security-policy')?.includes("frame-ancestors 'none'"),
      true,
    );
    const wrong = await browser.submit(page, { token: 'not-the-admin-token' }, '/auth/local');
    assert.equal(wrong.status, 401);
    const inbox = await browser.submit(page, { token: server.adminToken }, '/auth/local');
    assert.equal(new URL(inbox.url).pathname, '/inbox');
    assert.match(inbox.html, /Inbox of admin/);
    const me = await asHuman(server, browser, 'GET', '/v1/inbox');
    assert.deepEqual(me.json.human, { id: 'admin', groups: [], admin: true });
    const events = (await auditEvents(server)).filter(
      (e) => e.action === 'human.sign_in' && (e.details as { method: string }).method === 'local',
    );
    assert.deepEqual(
      events.map((e) => [e.actor, e.outcome]),
      [
        ['anonymous', 'failure'],
        ['admin', 'success'],
      ],
    );
  });
});
