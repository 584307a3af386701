import type { CatalogToolInfo, ToolHints } from '../../../sdk/admin-tools.js';

const WORDS: Record<keyof ToolHints, [string, string]> = {
  readOnlyHint: ['read-only', 'not read-only'],
  destructiveHint: ['destructive', 'not destructive'],
  openWorldHint: ['open world', 'closed world'],
};

/** `read-only, not destructive, closed world`, or `-` when none is declared. */
export function hintsText(h: ToolHints | Record<string, unknown> | null): string {
  const words = (Object.keys(WORDS) as (keyof ToolHints)[])
    .filter((k) => typeof h?.[k] === 'boolean')
    .map((k) => WORDS[k][h?.[k] ? 0 : 1]);
  return words.join(', ') || '-';
}

/** What the upstream hints now, and whether it counts: `read-only (trusted)`, `… (changed; reviewed: …)`. */
export function upstreamText(t: CatalogToolInfo): string {
  const hints = hintsText(t.upstream_hints);
  if (!t.hints_trusted) return `${hints} (untrusted)`;
  if (t.hint_changed) return `${hints} (changed; reviewed: ${hintsText(t.reviewed_hints)})`;
  return `${hints} (trusted)`;
}

/** The operator's annotation as `sideEffect=read destinations=[]`, or `-`. */
export function annotationText(t: CatalogToolInfo): string {
  const parts = Object.entries(t.annotation).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return parts.join(' ') || '-';
}

const destinationsText = (d: string[]) => (d.length === 0 ? 'none' : d.join(','));

/** Several lines about one tool: each attribute with where it came from. */
export function describeTool(t: CatalogToolInfo): string {
  return [
    `${t.id}: ${t.source}`,
    `  side effect     ${t.side_effect} (${t.sources.side_effect})`,
    `  classification  ${t.classification} (${t.sources.classification})`,
    `  destinations    ${destinationsText(t.destinations)} (${t.sources.destinations})`,
    `  upstream hints  ${upstreamText(t)}`,
    `  annotation      ${annotationText(t)}`,
  ].join('\n');
}

export { destinationsText };
