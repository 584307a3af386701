import { isSubset, parseScope } from './scope.js';

/**
 * The one rule for changing a grant's terms, used when a human approves a request (possibly
 * narrowed) and when they narrow a grant later: scopes may only shrink (each new scope covered
 * by a current one, `covers` in scope.ts, wildcards included) and the expiry may only come
 * sooner, never pass. No path through here widens a grant.
 */
export interface GrantTerms {
  scopes: string[];
  /** Epoch ms. */
  expiresAt: number;
}

export type Narrowed =
  | { ok: true; terms: GrantTerms; narrowed: boolean }
  | { ok: false; error: 'invalid_scope' | 'invalid_request'; message: string };

export function narrowTerms(
  current: GrantTerms,
  change: { scopes?: readonly string[] | undefined; expiresAt?: number | undefined },
  now: number,
): Narrowed {
  let scopes = current.scopes;
  if (change.scopes !== undefined) {
    let asked: string[];
    try {
      asked = parseScope(change.scopes.join(' '));
    } catch (err) {
      return { ok: false, error: 'invalid_scope', message: (err as Error).message };
    }
    if (asked.length === 0)
      return {
        ok: false,
        error: 'invalid_scope',
        message: 'a grant needs at least one scope; deny or revoke it instead',
      };
    const wider = asked.filter((s) => !isSubset([s], current.scopes));
    if (wider.length)
      return {
        ok: false,
        error: 'invalid_scope',
        message: `narrowing cannot add ${wider.map((s) => `\`${s}\``).join(', ')}: not covered by ${current.scopes.map((s) => `\`${s}\``).join(' ')}`,
      };
    scopes = asked;
  }
  let expiresAt = current.expiresAt;
  if (change.expiresAt !== undefined) {
    if (!Number.isFinite(change.expiresAt) || change.expiresAt <= now)
      return {
        ok: false,
        error: 'invalid_request',
        message: 'the new expiry must be in the future',
      };
    if (change.expiresAt > current.expiresAt)
      return {
        ok: false,
        error: 'invalid_request',
        message: `narrowing cannot extend a grant past ${new Date(current.expiresAt).toISOString()}`,
      };
    expiresAt = change.expiresAt;
  }
  const narrowed = expiresAt < current.expiresAt || !isSubset(current.scopes, scopes);
  return { ok: true, terms: { scopes, expiresAt }, narrowed };
}
