import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What the sign-in must remember between `GET /auth/login` and the identity provider's redirect
 * to `/auth/callback`: the OAuth `state`, the OIDC `nonce`, the PKCE `code_verifier` (RFC 7636)
 * and where to go afterwards. It travels in a short-lived cookie, signed with HMAC-SHA256 under a
 * key derived from the master key, so nothing is stored server-side before the human is known and
 * a forged or edited cookie is refused.
 */
export interface LoginState {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A path on this server (never another origin). */
  returnTo: string;
  /** Epoch ms. */
  expiresAt: number;
}

const MAX_COOKIE = 2048;

/** `<base64url JSON>.<base64url HMAC-SHA256 of it>`. */
export function sealLoginState(key: Buffer, s: LoginState): string {
  const body = Buffer.from(JSON.stringify(s)).toString('base64url');
  return `${body}.${mac(key, body)}`;
}

/** The state, or undefined when the value is malformed, its signature does not verify, or it expired. */
export function openLoginState(key: Buffer, value: string, now: number): LoginState | undefined {
  if (value.length > MAX_COOKIE) return undefined;
  const [body, sig, ...rest] = value.split('.');
  if (!body || !sig || rest.length > 0) return undefined;
  const expected = Buffer.from(mac(key, body));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let s: unknown;
  try {
    s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isLoginState(s) || s.expiresAt <= now) return undefined;
  return s;
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(`mandate-login-state.${body}`).digest('base64url');
}

function isLoginState(v: unknown): v is LoginState {
  const s = v as Partial<LoginState> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.state === 'string' &&
    typeof s.nonce === 'string' &&
    typeof s.codeVerifier === 'string' &&
    typeof s.returnTo === 'string' &&
    typeof s.expiresAt === 'number'
  );
}

/**
 * `returnTo` when it is a path on this server, else `fallback`: `/x` but not `//host` or `/\host`
 * (which browsers read as another origin), so the sign-in is no open redirect.
 */
export function safeReturnTo(returnTo: string | undefined, fallback: string): string {
  if (!returnTo || returnTo.length > 512) return fallback;
  if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.startsWith('/\\'))
    return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/u.test(returnTo)) return fallback;
  return returnTo;
}
