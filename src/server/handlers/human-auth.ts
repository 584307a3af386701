import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import { openLoginState, safeReturnTo, sealLoginState } from '../../humans/login-state.js';
import { LOGIN_TTL_SECONDS } from '../compose-delegation.js';
import { clientKey } from '../failure-limiter.js';
import { clearCookie, cookieNames, readCookie, setCookie } from '../human-auth.js';
import type { Mandate } from '../mandate.js';
import { sendProblem } from '../problem.js';
import { route } from '../route.js';

/**
 * Human sign-in (docs/delegation.md): OIDC authorization code + PKCE against `oidcIssuer`
 * (`/auth/login` → the identity provider → `/auth/callback`), the local admin sign-in for the
 * embedded default (`/auth/local` with the admin token), and sign-out. A sign-in ends in a
 * server-side session whose id only the human's cookie holds.
 */

const DEFAULT_RETURN = '/inbox';

function signInOf(mandate: Mandate) {
  const s = mandate.delegation.signIn;
  if (!s)
    throw new MandateError(
      'not_found',
      'human sign-in is not configured: set `oidcIssuer` and `oidcClientId`, or sign in as the admin at POST /auth/local',
    );
  return s;
}

export const login = route({
  method: 'GET',
  url: '/auth/login',
  auth: 'none',
  audit: null,
  summary:
    'Start a human sign-in: a redirect to the identity provider (state, nonce, PKCE S256), bound to a short-lived signed cookie',
  tag: 'humans',
  query: z.object({ return_to: z.string().max(512).optional() }),
  responses: {
    302: 'To the identity provider',
    404: 'No identity provider configured',
    503: 'The identity provider cannot be discovered',
  },
  async handler({ mandate, query, reply }) {
    const signIn = signInOf(mandate);
    const { url, state } = await signIn.begin(
      safeReturnTo(query.return_to, DEFAULT_RETURN),
      mandate.clock.now() + LOGIN_TTL_SECONDS * 1000,
    );
    setCookie(
      reply,
      mandate.config.issuer,
      cookieNames(mandate.config.issuer).login,
      sealLoginState(mandate.delegation.loginKey, state),
      LOGIN_TTL_SECONDS,
    );
    return reply.redirect(url, 302);
  },
});

export const callback = route({
  method: 'GET',
  url: '/auth/callback',
  auth: 'none',
  audit: 'human.sign_in',
  summary:
    "The identity provider's redirect back: code exchange, ID token validation, then a session cookie and a redirect to where the sign-in started",
  tag: 'humans',
  responses: {
    303: 'Signed in: to `return_to`',
    401: 'The sign-in failed (the reason says why)',
    404: 'No identity provider configured',
  },
  async handler({ mandate, request, reply, ctx }) {
    const signIn = signInOf(mandate);
    const names = cookieNames(mandate.config.issuer);
    const sealed = readCookie(request, names.login);
    // Spent whatever happens: a login state serves one callback.
    clearCookie(reply, mandate.config.issuer, names.login);
    const state =
      sealed === undefined
        ? undefined
        : openLoginState(mandate.delegation.loginKey, sealed, mandate.clock.now());
    if (!state) {
      await mandate.delegation.sessions.refused('oidc', 'no_login_state', ctx);
      throw new MandateError(
        'unauthorized',
        'this sign-in did not start here, or took too long: start again at /auth/login',
        { reason: 'no_login_state' },
      );
    }
    let human;
    try {
      // The URL the provider redirected to, on the issuer (which may carry a path prefix behind a proxy), with the response parameters.
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      human = await signIn.complete(
        new URL(`${mandate.config.issuer}/auth/callback${query}`),
        state,
      );
    } catch (err) {
      const reason =
        err instanceof MandateError ? String(err.details?.reason ?? err.code) : 'error';
      await mandate.delegation.sessions.refused('oidc', reason, ctx);
      throw err;
    }
    const session = await mandate.delegation.sessions.start(
      { id: human.id, groups: human.groups, method: 'oidc' },
      ctx,
      { issuer: signIn.issuer, sub: human.subject },
    );
    setCookie(
      reply,
      mandate.config.issuer,
      names.session,
      session.id,
      mandate.config.humanSessionTtl,
    );
    return reply.redirect(state.returnTo, 303);
  },
});

export const localSignIn = route<URLSearchParams>({
  method: 'POST',
  url: '/auth/local',
  auth: 'none',
  audit: 'human.sign_in',
  summary:
    'The local admin sign-in (form field `token` = the admin token): a human session for `admin`, for the inbox of the embedded default',
  tag: 'humans',
  form: true,
  responses: {
    303: 'Signed in: to `return_to` (default /inbox)',
    401: 'Not the admin token',
    429: 'Five wrong tokens from this address in the last minute (`Retry-After` says when to try again)',
  },
  async handler({ mandate, body, request, reply, ctx }) {
    const failures = mandate.delegation.localSignInFailures;
    // Checked before the token, so that a guess made while refused is never tested: guessing stays at 5 a minute per address.
    const client = clientKey(request.ip);
    const wait = failures.retryAfter(client);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return sendProblem(
        reply,
        request,
        new MandateError(
          'too_many_requests',
          `too many wrong admin tokens from this address; try again in ${wait} s`,
        ),
      );
    }
    const token = body.get('token') ?? '';
    // INVARIANT: counted before the (asynchronous) check, so a burst of concurrent guesses is
    // limited however long the check takes; a right token takes its count back.
    const attempt = failures.fail(client);
    if (!token || !(await mandate.adminToken.check(token))) {
      await mandate.delegation.sessions.refused('local', 'bad_admin_token', ctx);
      throw new MandateError('unauthorized', 'that is not the admin token');
    }
    failures.forgive(client, attempt);
    const session = await mandate.delegation.sessions.start(
      { id: 'admin', groups: [], method: 'local' },
      ctx,
    );
    setCookie(
      reply,
      mandate.config.issuer,
      cookieNames(mandate.config.issuer).session,
      session.id,
      mandate.config.humanSessionTtl,
    );
    return reply.redirect(safeReturnTo(body.get('return_to') ?? undefined, DEFAULT_RETURN), 303);
  },
});

export const logout = route({
  method: 'POST',
  url: '/auth/logout',
  auth: 'human',
  audit: 'human.sign_out',
  summary: 'Sign out: the session is deleted server-side and its cookie cleared',
  tag: 'humans',
  query: z.object({ return_to: z.string().max(512).optional() }),
  responses: {
    204: 'Signed out',
    303: 'Signed out: to `return_to` when given',
    401: 'Not signed in',
    403: 'Cross-origin request',
  },
  async handler({ mandate, query, request, reply, ctx }) {
    const name = cookieNames(mandate.config.issuer).session;
    const id = readCookie(request, name);
    if (id !== undefined) await mandate.delegation.sessions.end(id, ctx);
    clearCookie(reply, mandate.config.issuer, name);
    if (query.return_to !== undefined)
      return reply.redirect(safeReturnTo(query.return_to, DEFAULT_RETURN), 303);
    reply.status(204);
    return undefined;
  },
});
