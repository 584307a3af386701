// The cookies of human sign-in, as a browser receives them: the session and login-state cookies
// with their exact attributes (HttpOnly, SameSite=Lax, Path=/, Max-Age, and Secure with the
// __Host- prefix unless the issuer is plain http on loopback), cleared with the same attributes,
// and a session cookie sent twice (a tossed cookie) not guessed between.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LOGIN_TTL_SECONDS } from '../../../src/server/compose-delegation.js';
import { startDelegationServer, type DelegationServer } from './helpers.js';
import { startIdp, type Idp } from './idp.js';

/** One Set-Cookie line as `name=value` and its attributes, sorted (their order means nothing). */
function parsed(line: string): { pair: string; attributes: string[] } {
  const [pair = '', ...attributes] = line.split(';').map((s) => s.trim());
  return { pair, attributes: attributes.sort() };
}

async function localSignIn(server: DelegationServer): Promise<Response> {
  return fetch(`${server.url}/auth/local`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: server.adminToken }),
    redirect: 'manual',
  });
}

describe('human sign-in cookies', () => {
  let idp: Idp;
  let plain: DelegationServer;
  let secure: DelegationServer;

  before(async () => {
    idp = await startIdp({ redirectUri: () => `${plain.url}/auth/callback`, groups: {} });
    plain = await startDelegationServer({
      flags: { oidcIssuer: idp.issuer, oidcClientId: idp.clientId },
      env: { MANDATE_OIDC_CLIENT_SECRET: idp.clientSecret },
    });
    secure = await startDelegationServer({ flags: { issuer: 'https://mandate.example.org' } });
  });
  after(async () => {
    await plain?.stop();
    await secure?.stop();
    await idp?.close();
  });

  test('the session cookie: HttpOnly, SameSite=Lax, Path=/, Max-Age of the session; Secure and __Host- unless the issuer is http on loopback', async () => {
    const ttl = plain.config.humanSessionTtl;
    const res = await localSignIn(plain);
    assert.equal(res.status, 303);
    const [line, ...more] = res.headers.getSetCookie();
    assert.deepEqual(more, []);
    const cookie = parsed(line!);
    assert.match(cookie.pair, /^mandate-session=mhs_[A-Za-z0-9_-]+$/);
    assert.deepEqual(cookie.attributes, ['HttpOnly', `Max-Age=${ttl}`, 'Path=/', 'SameSite=Lax']);

    const onHttps = await localSignIn(secure);
    assert.equal(onHttps.status, 303);
    const secureCookie = parsed(onHttps.headers.getSetCookie()[0]!);
    assert.match(secureCookie.pair, /^__Host-mandate-session=mhs_[A-Za-z0-9_-]+$/);
    assert.deepEqual(secureCookie.attributes, [
      'HttpOnly',
      `Max-Age=${secure.config.humanSessionTtl}`,
      'Path=/',
      'SameSite=Lax',
      'Secure',
    ]);
  });

  test('the login-state cookie lives as long as the sign-in may take, with the same attributes', async () => {
    const res = await fetch(`${plain.url}/auth/login`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const cookie = parsed(res.headers.getSetCookie()[0]!);
    assert.match(cookie.pair, /^mandate-login=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(cookie.attributes, [
      'HttpOnly',
      `Max-Age=${LOGIN_TTL_SECONDS}`,
      'Path=/',
      'SameSite=Lax',
    ]);
  });

  test('a session cookie sent once signs in; sent twice it signs no one in; sign-out clears it with its attributes', async () => {
    const pair = parsed((await localSignIn(plain)).headers.getSetCookie()[0]!).pair;
    const inbox = (cookie: string) =>
      fetch(`${plain.url}/v1/inbox`, { headers: { cookie } }).then((r) => r.status);
    assert.equal(await inbox(pair), 200);
    assert.equal(await inbox(`theme=dark; ${pair}`), 200, 'other cookies beside it change nothing');
    assert.equal(await inbox(`${pair}; ${pair}`), 401, 'the same cookie twice');
    assert.equal(await inbox(`mandate-session=mhs_tossed; ${pair}`), 401, 'a tossed one first');

    const out = await fetch(`${plain.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: pair, origin: plain.config.issuer },
    });
    assert.equal(out.status, 204);
    const cleared = parsed(out.headers.getSetCookie()[0]!);
    assert.equal(cleared.pair, 'mandate-session=');
    assert.deepEqual(cleared.attributes, ['HttpOnly', 'Max-Age=0', 'Path=/', 'SameSite=Lax']);
    assert.equal(await inbox(pair), 401, 'signed out');
  });
});
