/**
 * The `client_id` of a client ID metadata document (draft-ietf-oauth-client-id-metadata-document
 * §3, MCP 2025-11-25 basic/authorization): an https URL with a path, without a fragment, user
 * name, password or `.`/`..` segments. Mandate also requires its normal form (the WHATWG URL
 * serialization: lowercase host, no default port, no percent-encoding a parser would undo), so a
 * client has one `client_id` and the document's own `client_id` compares as a plain string.
 */

/** Longest `client_id` URL accepted. */
export const MAX_CLIENT_ID_URL = 2000;

/** True when `clientId` is meant as a URL (a metadata document), not a registered id. */
export function isClientIdUrl(clientId: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/iu.test(clientId);
}

// `.` and `..` segments, also percent-encoded (`%2e`, `.%2E`): a parser resolves them away.
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/iu;

/**
 * Why `clientId` cannot name a client ID metadata document, as the end of a one-line message,
 * or undefined when it can.
 *
 * @example clientIdUrlProblem('http://app.example/client.json') // 'must be an https url'
 */
export function clientIdUrlProblem(clientId: string): string | undefined {
  if (clientId.length > MAX_CLIENT_ID_URL) return `is longer than ${MAX_CLIENT_ID_URL} characters`;
  if (!/^https:/iu.test(clientId)) return 'must be an https url';
  if (clientId.includes('#')) return 'must not have a fragment';
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return 'is not a url';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  const rawPath = /^https:\/\/[^/?]*(\/[^?]*)?/iu.exec(clientId)?.[1] ?? '';
  if (rawPath.split('/').some((segment) => DOT_SEGMENT.test(segment)))
    return 'must not contain `.` or `..` path segments';
  if (url.pathname === '/') return 'must have a path, e.g. `https://app.example/client.json`';
  if (url.href !== clientId) return `must be written in its normal form \`${url.href}\``;
  return undefined;
}
