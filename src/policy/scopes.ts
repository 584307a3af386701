/**
 * How scopes reach Cedar. A task token's scopes go into `context.scopes` as issued; a tool gets
 * `grant_scopes`: every scope token that would grant it. Mandate's wildcard `p*` covers every
 * token starting with `p` (src/delegation/scope.ts `covers`), so the tokens covering
 * `tool:github/x` are the token itself and `p*` for each prefix `p` of it, from `*` up to
 * `tool:github/x*`. Then "the task's scopes grant this tool" is one Cedar expression:
 * `context.scopes.containsAny(resource.grant_scopes)`.
 */

import { MAX_SCOPE_TOKEN_LENGTH } from '../delegation/scope.js';

/** The scope that names a tool in task tokens: `tool:<server>/<tool>`. */
export function toolScope(toolName: string): string {
  return `tool:${toolName}`;
}

/**
 * Every scope token that grants `scope`: the token and each prefix wildcard covering it.
 *
 * @example grantScopes('tool:a') // ['tool:a', '*', 't*', 'to*', 'too*', 'tool*', 'tool:*', 'tool:a*']
 */
export function grantScopes(scope: string): string[] {
  // No issued scope token is longer than MAX_SCOPE_TOKEN_LENGTH (src/delegation/scope.ts), so
  // longer candidates could never match: leaving them out keeps the answer and keeps the work
  // linear in that bound, whatever the length of a resource URI or prompt name.
  const out = scope.length <= MAX_SCOPE_TOKEN_LENGTH ? [scope] : [];
  // INVARIANT: `covers(p + '*', scope)` holds exactly when `scope.startsWith(p)`, i.e. for
  // every prefix, including the empty one and the whole token.
  const longest = Math.min(scope.length, MAX_SCOPE_TOKEN_LENGTH - 1);
  for (let i = 0; i <= longest; i++) out.push(`${scope.slice(0, i)}*`);
  return out;
}
