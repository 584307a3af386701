/**
 * Redirect URIs: which a client may register (OAuth 2.1 §2.3.1, RFC 8252 §7, RFC 7591 §2) and
 * whether an authorization request's `redirect_uri` is one of them (exact match; a loopback one
 * on any port, RFC 8252 §7.3). Matching is on the strings as sent, never on a parser's reading.
 */

/** Longest redirect URI accepted. */
export const MAX_REDIRECT_URI = 2000;
/** Most redirect URIs one client may have. */
export const MAX_REDIRECT_URIS = 20;

/**
 * What a client may register: `web` (https, or http on a loopback address: what open
 * registration accepts) or `native` (also a private-use scheme in reverse domain form, such as
 * `com.example.app:/callback`, RFC 8252 §7.1: for metadata documents, which their domain vouches
 * for, and registrations an admin's token allowed).
 */
export type RedirectPolicy = 'web' | 'native';

// http://<loopback host>[:port]<path, query>: the host and the rest exactly as written.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(\d{1,5}))?([/?][^#]*)?$/u;

// Schemes that run or read something in the browser, never a place to send a code to.
const NEVER = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about', 'filesystem']);

/**
 * Why `uri` cannot be a redirect URI under `policy`, as the end of a one-line message, or
 * undefined when it can.
 *
 * @example redirectUriProblem('http://app.example/cb', 'web') // 'must be https, or http on a loopback address (127.0.0.1, [::1], localhost)'
 */
export function redirectUriProblem(uri: string, policy: RedirectPolicy): string | undefined {
  if (uri.length > MAX_REDIRECT_URI) return `is longer than ${MAX_REDIRECT_URI} characters`;
  if (uri.includes('#')) return 'must not have a fragment';
  // Whitespace or controls would read differently in a Location header than in this check.
  if (/[\s\p{Cc}]/u.test(uri)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute uri';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  const scheme = url.protocol.slice(0, -1);
  const allowed =
    policy === 'web'
      ? 'must be https, or http on a loopback address (127.0.0.1, [::1], localhost)'
      : 'must be https, http on a loopback address (127.0.0.1, [::1], localhost), or a private-use scheme in reverse domain form (`com.example.app:/callback`)';
  if (scheme === 'https') return url.hostname === '' ? 'has no host' : undefined;
  if (scheme === 'http') return LOOPBACK.test(uri) ? undefined : allowed;
  if (policy === 'web' || NEVER.has(scheme) || !scheme.includes('.')) return allowed;
  return undefined;
}

/**
 * True when an authorization request's `redirectUri` is `registered`: the same string, or for a
 * loopback `registered`, the same string but for the port (RFC 8252 §7.3: a native app listens
 * on whichever port it got).
 *
 * @example redirectMatches('http://127.0.0.1/callback', 'http://127.0.0.1:53122/callback') // true
 */
export function redirectMatches(registered: string, redirectUri: string): boolean {
  if (registered === redirectUri) return true;
  const r = LOOPBACK.exec(registered);
  const c = LOOPBACK.exec(redirectUri);
  if (!r || !c) return false;
  const port = c[2] === undefined ? undefined : Number(c[2]);
  return (
    r[1] === c[1] &&
    (r[3] ?? '') === (c[3] ?? '') &&
    (port === undefined || (port >= 1 && port <= 65535))
  );
}
