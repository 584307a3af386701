import { MandateError } from '../core/errors.js';
import { quote } from './text.js';

/**
 * OAuth scopes as Mandate uses them (RFC 6749 §3.3): space-separated tokens such as
 * `tool:github/create_issue`. A token ending in `*` is a prefix wildcard: `tool:github/*` stands
 * for every token starting with `tool:github/`, `tool:*` for every token starting with `tool:`.
 */

export const MAX_SCOPE_TOKEN_LENGTH = 256;

/**
 * Why `token` is not a valid scope token, or undefined when it is. RFC 6749 §3.3: 1*( %x21 /
 * %x23-5B / %x5D-7E ), i.e. printable ASCII except space, `"` and `\`; Mandate adds a length
 * limit and allows `*` only as the last character.
 */
export function scopeTokenProblem(token: string): string | undefined {
  if (token.length === 0) return 'scope token is empty';
  if (token.length > MAX_SCOPE_TOKEN_LENGTH)
    return `scope token exceeds ${MAX_SCOPE_TOKEN_LENGTH} characters`;
  for (const ch of token) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x21 || code > 0x7e || ch === '"' || ch === '\\')
      return `scope token contains the disallowed character ${quote(ch)}`;
  }
  const star = token.indexOf('*');
  if (star !== -1 && star !== token.length - 1) return '`*` is allowed only as the last character';
  return undefined;
}

/**
 * Parses a space-separated scope string into its distinct tokens, in first-seen order.
 * Runs of spaces and leading or trailing spaces are tolerated; an empty string is no scope.
 * Throws `MandateError('invalid_scope')` naming the first invalid token.
 *
 * @example parseScope('tool:github/* tool:slack/post') // ['tool:github/*', 'tool:slack/post']
 */
export function parseScope(s: string): string[] {
  if (typeof s !== 'string') throw new MandateError('invalid_scope', 'scope must be a string');
  const out = new Set<string>();
  for (const token of s.split(' ')) {
    if (token === '') continue;
    const problem = scopeTokenProblem(token);
    if (problem)
      throw new MandateError('invalid_scope', `invalid scope ${quote(token)}: ${problem}`, {
        scope: token,
      });
    out.add(token);
  }
  return [...out];
}

/**
 * The scope claim / parameter form of a list: distinct tokens, sorted, space-joined.
 *
 * @example formatScope(['b', 'a', 'b']) // 'a b'
 */
export function formatScope(list: readonly string[]): string {
  return [...new Set(list)].sort().join(' ');
}

/**
 * True when the granted token allows everything the requested token names: they are equal, or
 * `granted` is `p*` and `requested` starts with `p`. A requested wildcard `q*` is therefore
 * covered only by a wildcard `p*` with `p` a prefix of `q`, never by a plain token.
 * Both arguments must be valid scope tokens.
 *
 * @example covers('tool:github/*', 'tool:github/create_issue') // true
 * @example covers('tool:github/create_issue', 'tool:github/*') // false
 */
export function covers(granted: string, requested: string): boolean {
  if (granted === requested) return true;
  // INVARIANT: `*` occurs only as the last character, so the prefix `p` has no `*` and
  // `requested.startsWith(p)` holds for `q*` exactly when `q` starts with `p`.
  return granted.endsWith('*') && requested.startsWith(granted.slice(0, -1));
}

/**
 * True when every requested token is covered by some granted token.
 *
 * @example isSubset(['tool:github/list'], ['tool:*']) // true
 */
export function isSubset(requested: readonly string[], granted: readonly string[]): boolean {
  return requested.every((r) => granted.some((g) => covers(g, r)));
}

/**
 * Splits a request against what is granted. An undefined request means "all of granted".
 * `scopes` are the requested tokens that are covered (as requested, so asking for
 * `tool:github/list` under `tool:github/*` yields `tool:github/list`); `widened` the ones that
 * are not. Callers decide whether a widened item is an error; delegation always treats it as one.
 *
 * @example narrow(['tool:github/list', 'tool:slack/post'], ['tool:github/*'])
 *   // { scopes: ['tool:github/list'], widened: ['tool:slack/post'] }
 */
export function narrow(
  requested: readonly string[] | undefined,
  granted: readonly string[],
): { scopes: string[]; widened: string[] } {
  if (requested === undefined) return { scopes: [...new Set(granted)], widened: [] };
  const scopes: string[] = [];
  const widened: string[] = [];
  for (const r of new Set(requested)) (isSubset([r], granted) ? scopes : widened).push(r);
  return { scopes, widened };
}
