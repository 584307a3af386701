import { z } from 'zod';
import { isSpiffeId, parseSpiffeId } from '../core/spiffe-id.js';
import { parseInput } from '../core/validation.js';
import { quote } from './text.js';

/**
 * Transitive trust rules: which agents may delegate to which, how deep, and whether across
 * trust domains. Deny by default; a delegation is allowed when one rule allows it.
 *
 * `from` and `to` are patterns:
 * - an exact SPIFFE ID;
 * - a SPIFFE ID followed by `/*`: every ID with at least one more path segment
 *   (`spiffe://td/agent/*` matches `spiffe://td/agent/x` and `spiffe://td/agent/x/y`, but not
 *   `spiffe://td/agent` or `spiffe://td/agentx`);
 * - `*`: any ID in the server's own trust domain, never a foreign one.
 */
export interface TrustRule {
  id: string;
  from: string;
  to: string;
  /** The deepest delegation (child depth) this rule allows; no limit when absent. */
  maxDepth?: number;
  /** Must be true for a delegation that crosses trust domains. */
  crossDomain?: boolean;
}

export interface TrustQuery {
  /** The delegating party: the current actor of the parent token. */
  from: string;
  /** The delegate. */
  to: string;
  /** The depth the new token would have (parent depth + 1). */
  depth: number;
  /** The server's own trust domain. */
  localTrustDomain: string;
}

export type TrustDecision =
  { allowed: true; rule: TrustRule } | { allowed: false; message: string };

const ANY_LOCAL = '*';
const SUBTREE = '/*';

/**
 * True when `pattern` is a valid trust rule pattern: a SPIFFE ID, a SPIFFE ID + `/*`, or `*`.
 *
 * @example isTrustPattern('spiffe://example.org/agent/*') // true
 */
export function isTrustPattern(pattern: string): boolean {
  if (pattern === ANY_LOCAL) return true;
  return isSpiffeId(pattern.endsWith(SUBTREE) ? pattern.slice(0, -SUBTREE.length) : pattern);
}

function trustDomainOf(id: string): string | undefined {
  try {
    return parseSpiffeId(id).trustDomain;
  } catch {
    return undefined;
  }
}

/**
 * True when the SPIFFE ID `id` matches `pattern`. An invalid ID or pattern matches nothing.
 *
 * @example matchesTrustPattern('spiffe://td/agent/*', 'spiffe://td/agent/x/y', 'td') // true
 */
export function matchesTrustPattern(
  pattern: string,
  id: string,
  localTrustDomain: string,
): boolean {
  const trustDomain = trustDomainOf(id);
  if (trustDomain === undefined || !isTrustPattern(pattern)) return false;
  if (pattern === ANY_LOCAL) return trustDomain === localTrustDomain;
  // INVARIANT: the base before `/*` is a valid SPIFFE ID (checked above), so the prefix ends at
  // a segment boundary and `spiffe://td/agent/*` cannot match `spiffe://td/agentx`.
  if (pattern.endsWith(SUBTREE)) return id.startsWith(pattern.slice(0, -1));
  return id === pattern;
}

/**
 * Decides whether `from` may delegate to `to` at `depth`. A rule applies when both of its
 * patterns match. A delegation crosses trust domains when `to` is outside the local trust
 * domain or `from` and `to` are in different trust domains; then the rule must say
 * `crossDomain: true`. A rule with `maxDepth` below `depth` refuses. The first rule that allows
 * wins; otherwise the message names the first applicable rule that refused, or says that no
 * rule allows the delegation.
 *
 * @example evaluateTrust([{ id: 'r1', from: '*', to: 'spiffe://td/agent/*' }], { from: 'spiffe://td/agent/a', to: 'spiffe://td/agent/b', depth: 1, localTrustDomain: 'td' })
 *   // { allowed: true, rule: { id: 'r1', ... } }
 */
export function evaluateTrust(rules: readonly TrustRule[], query: TrustQuery): TrustDecision {
  const { from, to, depth, localTrustDomain } = query;
  const fromDomain = trustDomainOf(from);
  const toDomain = trustDomainOf(to);
  const crossing = toDomain !== localTrustDomain || fromDomain !== toDomain;
  let refusal: string | undefined;
  for (const rule of rules) {
    if (
      !matchesTrustPattern(rule.from, from, localTrustDomain) ||
      !matchesTrustPattern(rule.to, to, localTrustDomain)
    )
      continue;
    if (crossing && rule.crossDomain !== true) {
      refusal ??= `trust rule ${quote(rule.id)} does not allow delegation across trust domains, from ${quote(from)} to ${quote(to)}`;
      continue;
    }
    // A non-number maxDepth (unvalidated input) refuses rather than being read as "no limit".
    if (rule.maxDepth !== undefined && !(rule.maxDepth >= depth)) {
      refusal ??= `trust rule ${quote(rule.id)} allows delegation only up to depth ${rule.maxDepth}, and this delegation would be at depth ${depth}`;
      continue;
    }
    return { allowed: true, rule };
  }
  // INVARIANT: deny by default.
  return {
    allowed: false,
    message: refusal ?? `no trust rule allows ${quote(from)} to delegate to ${quote(to)}`,
  };
}

const pattern = z
  .string()
  .refine(isTrustPattern, { message: 'must be a spiffe id, a spiffe id followed by `/*`, or `*`' });

const TrustRuleSchema = z
  .object({
    id: z.string().min(1).max(128),
    from: pattern,
    to: pattern,
    maxDepth: z.number().int().min(1).max(1000).optional(),
    crossDomain: z.boolean().optional(),
  })
  .strict();

/**
 * Validates a trust rule from configuration or the admin API. Throws
 * `MandateError('invalid_request')` naming the first bad field.
 *
 * @example validateTrustRule({ id: 'planner-to-workers', from: 'spiffe://td/agent/planner', to: 'spiffe://td/agent/worker/*', maxDepth: 2 })
 */
export function validateTrustRule(input: unknown): TrustRule {
  const rule = parseInput(TrustRuleSchema, input);
  return {
    id: rule.id,
    from: rule.from,
    to: rule.to,
    ...(rule.maxDepth !== undefined ? { maxDepth: rule.maxDepth } : {}),
    ...(rule.crossDomain !== undefined ? { crossDomain: rule.crossDomain } : {}),
  };
}
