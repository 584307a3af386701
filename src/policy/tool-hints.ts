import { z } from 'zod';

/**
 * MCP tool annotations as defaults for the catalog's attributes, for upstreams the operator
 * trusts (`trustHints`). The MCP spec calls these annotations hints that clients must treat as
 * untrusted unless the server is trusted; so a server's word counts only when the operator said
 * so, only where the operator said nothing, and only while it is the word reviewed last
 * (docs/decisions/0007-trusted-upstream-hints.md).
 *
 * Which hints count: `readOnlyHint`, `destructiveHint` (the side effect) and `openWorldHint`
 * (whether the tool reaches hosts of its own). `idempotentHint` is shown, never used: no policy
 * attribute reads it. No hint speaks of the sensitivity of what a tool returns, so the
 * classification never comes from one.
 */

/** The hints that set attributes, as the upstream declared them (absent: not declared). */
export const toolHintsSchema = z.strictObject({
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});
export type ToolHints = z.output<typeof toolHintsSchema>;

const HINT_KEYS = ['readOnlyHint', 'destructiveHint', 'openWorldHint'] as const;

/**
 * Where an attribute's value came from: the operator's annotation, a trusted upstream's hint,
 * the restrictive default, or the restrictive default because the trusted upstream's hints
 * changed since they were last reviewed.
 */
export type AttributeSource = 'operator' | 'upstream-hint' | 'default' | 'hint-changed';

/** The counted hints of a tool's MCP `annotations`, declared booleans only. */
export function hintsOf(annotations: Readonly<Record<string, unknown>> | undefined): ToolHints {
  const out: ToolHints = {};
  for (const k of HINT_KEYS) if (typeof annotations?.[k] === 'boolean') out[k] = annotations[k];
  return out;
}

/** Both declare the same counted hints with the same values (an absent hint differs from a declared one). */
export function sameHints(a: ToolHints, b: ToolHints): boolean {
  return HINT_KEYS.every((k) => a[k] === b[k]);
}

/**
 * The attributes the hints set, by MCP's meaning of each (spec, "Tool annotations"):
 * `readOnlyHint: true` → side effect `read`; otherwise `destructiveHint: false` → `write`
 * (additive updates only), `destructiveHint: true` → `destructive`. `openWorldHint: false`
 * (a closed domain) → no destinations of its own, the hosts its arguments name still count;
 * `openWorldHint: true` → any host (`*`). An undeclared hint sets nothing.
 */
export function attributesFromHints(h: ToolHints): {
  sideEffect?: 'read' | 'write' | 'destructive';
  destinations?: string[];
} {
  const sideEffect =
    h.readOnlyHint === true
      ? 'read'
      : h.destructiveHint === false
        ? 'write'
        : h.destructiveHint === true
          ? 'destructive'
          : undefined;
  const destinations =
    h.openWorldHint === false ? [] : h.openWorldHint === true ? ['*'] : undefined;
  return {
    ...(sideEffect ? { sideEffect } : {}),
    ...(destinations ? { destinations } : {}),
  };
}

/**
 * One line for a whole tool: `hint-changed` when an attribute is held at its default for a
 * changed hint; else `upstream-hint` when one comes from a hint; else `operator` when one
 * comes from the operator; else `default`. The most review-worthy fact comes first.
 */
export function toolSource(sources: readonly AttributeSource[]): AttributeSource {
  for (const s of ['hint-changed', 'upstream-hint', 'operator'] as const)
    if (sources.includes(s)) return s;
  return 'default';
}
