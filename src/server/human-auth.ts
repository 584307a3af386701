import type { FastifyReply, FastifyRequest } from 'fastify';
import { MandateError } from '../core/errors.js';
import { ADMIN, type Human } from '../humans/human.js';
import type { Mandate } from './mandate.js';
import { bearerToken } from '../protocol/authorization-header.js';

/**
 * Cookies and the `human` route auth. A human's session is an opaque id in an HttpOnly,
 * SameSite=Lax cookie: `__Host-mandate-session` with `Secure` (and so Path=/, no Domain) unless
 * the issuer is plain http on a loopback address, where browsers would drop a Secure cookie and
 * it is `mandate-session` without it. State-changing requests that a cookie authenticates must
 * also come from this origin (CSRF, below).
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** A header no HTML form can set and no cross-origin page may send without a CORS preflight, which Mandate never allows. */
export const CSRF_HEADER = 'x-mandate-csrf';

export function cookiesSecure(issuer: string): boolean {
  const u = new URL(issuer);
  if (u.protocol === 'https:') return true;
  const host = u.hostname.replace(/^\[|\]$/gu, '');
  return !(
    host === 'localhost' ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(host)
  );
}

export function cookieNames(issuer: string): { session: string; login: string } {
  return cookiesSecure(issuer)
    ? { session: '__Host-mandate-session', login: '__Host-mandate-login' }
    : { session: 'mandate-session', login: 'mandate-login' };
}

/**
 * The value of cookie `name`, or undefined when absent or sent more than once: a tossed cookie
 * (a second one set by a sibling host or for a longer path) is not guessed between. Parsed by
 * @fastify/cookie, which keeps the first of several, hence the count.
 */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return undefined;
  const sent = header.split(';').filter((pair) => {
    const eq = pair.indexOf('=');
    return eq > 0 && pair.slice(0, eq).trim() === name;
  }).length;
  return sent === 1 ? request.cookies[name] : undefined;
}

/** Sets cookie `name` (HttpOnly, SameSite=Lax, Path=/, Secure unless the issuer is http on loopback) for `maxAgeSeconds`. */
export function setCookie(
  reply: FastifyReply,
  issuer: string,
  name: string,
  value: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(name, value, {
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
    httpOnly: true,
    sameSite: 'lax',
    secure: cookiesSecure(issuer),
  });
}

/** Removes cookie `name`: empty, Max-Age=0, with the attributes it was set with. */
export function clearCookie(reply: FastifyReply, issuer: string, name: string): void {
  setCookie(reply, issuer, name, '', 0);
}

/**
 * Who a `human` route serves: the admin bearer token (the human `admin`), else the session
 * cookie. A state-changing request authenticated by the cookie must carry an `Origin` equal to
 * the issuer's, or `Sec-Fetch-Site: same-origin`, or the `x-mandate-csrf` header.
 */
export async function requireHuman(mandate: Mandate, request: FastifyRequest): Promise<Human> {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const token = bearerToken(header);
    if (token === undefined || !(await mandate.adminToken.check(token)))
      throw new MandateError(
        'unauthorized',
        'the Authorization header does not carry a valid admin token; humans sign in at /auth/login',
      );
    return ADMIN;
  }
  const id = readCookie(request, cookieNames(mandate.config.issuer).session);
  const human = id === undefined ? undefined : await mandate.delegation.sessions.resolve(id);
  if (!human)
    throw new MandateError('unauthorized', 'sign in first: /auth/login (or send the admin token)', {
      sign_in: `${mandate.config.issuer}/auth/login`,
    });
  if (!SAFE_METHODS.has(request.method)) checkSameOrigin(mandate.config.issuer, request);
  return human;
}

function checkSameOrigin(issuer: string, request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    if (origin !== new URL(issuer).origin)
      throw new MandateError(
        'forbidden',
        `a request from \`${origin.slice(0, 200)}\` cannot act with a session of this server`,
        { reason: 'cross_origin' },
      );
    return;
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-origin') return;
  if (request.headers[CSRF_HEADER] !== undefined && site === undefined) return;
  throw new MandateError(
    'forbidden',
    `a state-changing request with a session cookie needs an \`Origin\` of this server or the \`${CSRF_HEADER}\` header`,
    { reason: 'csrf' },
  );
}

/** The human a `human` route was given; a route that forgot `auth: 'human'` fails closed here. */
export function signedIn(human: Human | undefined): Human {
  if (!human) throw new MandateError('internal', 'a human route ran without a signed-in human');
  return human;
}
