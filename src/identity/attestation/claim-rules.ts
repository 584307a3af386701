/**
 * Maps the verified claims of an attestation token to an agent name through a trusted issuer's
 * `ClaimRule`s. Claim paths are dot-separated, but claim names may themselves contain dots
 * (Kubernetes puts everything under `kubernetes.io`), so a path is resolved by trying the longest
 * key first at every level: `kubernetes.io.namespace` finds `claims["kubernetes.io"].namespace`.
 */
import type { ClaimRule } from '../../core/store/records.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveFrom(
  node: Json,
  segments: readonly string[],
  start: number,
): { found: boolean; value?: unknown } {
  // Longest key first: a literal key containing dots wins over nesting.
  for (let end = segments.length; end > start; end--) {
    const key = segments.slice(start, end).join('.');
    // Own properties only: a path such as `constructor` or `__proto__` must never reach the prototype.
    if (!Object.hasOwn(node, key)) continue;
    const value = node[key];
    if (end === segments.length) return { found: true, value };
    if (isObject(value)) {
      const inner = resolveFrom(value, segments, end);
      if (inner.found) return inner;
    }
  }
  return { found: false };
}

/**
 * The value at a dot-separated claim path, or `undefined` when the path does not resolve.
 *
 * @example
 * resolveClaim({ 'kubernetes.io': { namespace: 'payments' } }, 'kubernetes.io.namespace'); // 'payments'
 */
export function resolveClaim(claims: Json, path: string): unknown {
  if (path === '') return undefined;
  return resolveFrom(claims, path.split('.'), 0).value;
}

/**
 * Whether every condition of a rule holds. A rule without conditions never matches: mapping every
 * token of an issuer to one agent must be written as an explicit condition (e.g. on `iss`).
 */
export function ruleMatches(rule: ClaimRule, claims: Json): boolean {
  const conditions = Object.entries(rule.match);
  if (conditions.length === 0) return false;
  return conditions.every(([path, expected]) => resolveClaim(claims, path) === expected);
}

/** The first rule, in order, whose conditions all hold. */
export function findMatchingRule(rules: readonly ClaimRule[], claims: Json): ClaimRule | undefined {
  return rules.find((rule) => ruleMatches(rule, claims));
}
