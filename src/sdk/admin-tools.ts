import type { Http } from './http.js';

/**
 * Where a tool attribute came from: the operator's annotation, a trusted upstream's MCP hint,
 * the restrictive default, or the restrictive default because the trusted upstream's hints
 * changed since they were last reviewed.
 */
export type ToolAttributeSource = 'operator' | 'upstream-hint' | 'default' | 'hint-changed';

/** The MCP hints that can set a tool's attributes, as declared. */
export interface ToolHints {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  openWorldHint?: boolean;
}

/** What an operator says about a tool (docs/policy.md, "Tool catalog"); absent fields keep their value. */
export interface ToolAnnotationInput {
  sideEffect?: 'read' | 'write' | 'destructive';
  classification?: 'public' | 'internal' | 'confidential' | 'restricted';
  destinations?: string[];
  labels?: Record<string, string>;
  extractors?: {
    path: string;
    kind: 'email' | 'url' | 'host' | 'path' | 'string';
    root?: string;
  }[];
}

/** A tool of the catalog, as `GET /v1/tools` shows it. */
export interface CatalogToolInfo {
  /** `<server>/<tool>`. */
  id: string;
  server: string;
  name: string;
  scope: string;
  title: string | null;
  description: string;
  side_effect: 'read' | 'write' | 'destructive';
  classification: 'public' | 'internal' | 'confidential' | 'restricted';
  destinations: string[];
  labels: Record<string, string>;
  extractors: { path: string; kind: string; root?: string }[];
  defaulted: string[];
  /** Which applied, for the whole tool: `hint-changed`, else `upstream-hint`, else `operator`, else `default`. */
  source: ToolAttributeSource;
  sources: {
    side_effect: ToolAttributeSource;
    classification: ToolAttributeSource;
    destinations: ToolAttributeSource;
  };
  /** The operator's annotation. */
  annotation: ToolAnnotationInput;
  /** The upstream's MCP `annotations`, as listed. */
  upstream_hints: Record<string, unknown> | null;
  /** The upstream is trusted for hints (`trustHints`). */
  hints_trusted: boolean;
  /** The hints accepted at the last review. */
  reviewed_hints: ToolHints | null;
  /** Trusted, and the hints differ from the reviewed ones: held at the defaults until reviewed. */
  hint_changed: boolean;
  digest: string;
}

/**
 * The tool catalog through the admin API (docs/policy.md, "Tool catalog"): `MandateAdminClient.tools`.
 *
 * @example
 * const tools = await admin.tools.list({ server: 'everything' });
 * tools.filter((t) => t.source === 'hint-changed').map((t) => t.id); // held until reviewed
 * await admin.tools.review('everything/echo');
 */
export class ToolsAdmin {
  constructor(private readonly http: Http) {}

  /** Every tool (or one server's), sorted by id. */
  async list(filter: { server?: string } = {}): Promise<CatalogToolInfo[]> {
    const q = filter.server === undefined ? '' : `?server=${encodeURIComponent(filter.server)}`;
    return (await this.http.json<{ tools: CatalogToolInfo[] }>('GET', `/v1/tools${q}`)).tools;
  }

  /** Merges an annotation into a tool (`<server>/<tool>`); for an upstream trusted for hints, also a review. */
  annotate(toolId: string, annotation: ToolAnnotationInput): Promise<CatalogToolInfo> {
    return this.http.json('PUT', `${toolPath(toolId)}/annotation`, annotation);
  }

  /** Accepts the hints a trusted upstream's tool lists now, so they set its attributes again. */
  review(toolId: string): Promise<CatalogToolInfo> {
    return this.http.json('POST', `${toolPath(toolId)}/review`);
  }
}

function toolPath(toolId: string): string {
  const slash = toolId.indexOf('/');
  // The server part cannot hold `/`; the tool's own name may, so it is encoded whole.
  const server = slash > 0 ? toolId.slice(0, slash) : toolId;
  const tool = slash > 0 ? toolId.slice(slash + 1) : '';
  return `/v1/tools/${encodeURIComponent(server)}/${encodeURIComponent(tool)}`;
}
