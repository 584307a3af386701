import { z } from 'zod';
import type {
  CatalogTool,
  McpToolDescription,
  ToolAnnotation,
  ToolChange,
} from '../../policy/tool-catalog.js';
import { route } from '../route.js';

/**
 * The tool catalog's admin API: what each tool is to policy and where each attribute came from
 * (the operator's annotation, a trusted upstream's hint, the default), a server's tools put by
 * hand, an annotation, a review of a trusted upstream's changed hints. Each change reaches the
 * decision point and the gateway at once (the catalog service swaps it in after it is stored).
 */

const toolJson = (t: CatalogTool) => ({
  id: t.id,
  server: t.server,
  name: t.name,
  scope: t.scope,
  title: t.title ?? null,
  description: t.description,
  side_effect: t.sideEffect,
  classification: t.classification,
  destinations: t.destinations,
  labels: t.labels,
  extractors: t.extractors,
  defaulted: t.defaulted,
  // Which applied: `operator`, `upstream-hint`, `default` or `hint-changed`, for the tool and per attribute.
  source: t.source,
  sources: {
    side_effect: t.sources.sideEffect,
    classification: t.sources.classification,
    destinations: t.sources.destinations,
  },
  annotation: t.annotation,
  upstream_hints: t.serverHints ?? null,
  hints_trusted: t.hintsTrusted,
  reviewed_hints: t.reviewedHints ?? null,
  hint_changed: t.hintChanged,
  digest: t.digest,
});
const changeJson = (c: ToolChange) => ({
  type: c.type,
  tool_id: c.toolId,
  digest: c.digest,
  previous_digest: c.previousDigest,
  fields: c.fields,
  hint_changed: c.hintChanged ?? false,
});

const toolParams = z.object({ server: z.string().max(64), tool: z.string().max(128) });

export const putServerTools = route({
  method: 'PUT',
  url: '/v1/tools/:server',
  auth: 'admin',
  audit: 'tool_catalog.sync',
  summary:
    "Replace a tool server's tools with its MCP `tools/list` result, plus operator `annotations` by tool name; returns the changes",
  tag: 'policy',
  params: z.object({ server: z.string().max(64) }),
  body: z.looseObject({
    tools: z.array(z.unknown()),
    annotations: z.record(z.string(), z.unknown()).optional(),
  }),
  responses: {
    200: 'The changes, sorted by tool id',
    400: 'An invalid tool or annotation (the field is named); nothing changed',
  },
  async handler({ mandate, params, body, ctx }) {
    const changes = await mandate.catalog.sync(params.server, body.tools as McpToolDescription[], {
      annotations: (body.annotations ?? {}) as Record<string, ToolAnnotation>,
      actor: 'admin',
      requestId: ctx.requestId,
    });
    return { changes: changes.map(changeJson) };
  },
});

export const annotateTool = route({
  method: 'PUT',
  url: '/v1/tools/:server/:tool/annotation',
  auth: 'admin',
  audit: 'tool_catalog.annotate',
  summary:
    'Merge an operator annotation (`sideEffect`, `classification`, `destinations`, `labels`, `extractors`, as in `PUT /v1/tools/:server`) into a listed tool; for an upstream trusted for hints it also reviews its hints',
  tag: 'policy',
  params: toolParams,
  body: z.looseObject({}),
  responses: {
    200: 'The tool as it now is',
    400: 'An invalid annotation (the field is named); nothing changed',
    404: 'No such tool in the catalog',
  },
  async handler({ mandate, params, body, ctx }) {
    return toolJson(
      await mandate.catalog.annotate(`${params.server}/${params.tool}`, body as ToolAnnotation, {
        actor: 'admin',
        requestId: ctx.requestId,
      }),
    );
  },
});

export const reviewTool = route({
  method: 'POST',
  url: '/v1/tools/:server/:tool/review',
  auth: 'admin',
  audit: 'tool_catalog.review',
  summary:
    "Accept the MCP hints a trusted upstream's tool lists now: after a changed hint held the tool at the defaults, they set its attributes again",
  tag: 'policy',
  params: toolParams,
  responses: {
    200: 'The tool as it now is',
    400: "The tool's upstream is not trusted for hints (`trustHints`)",
    404: 'No such tool in the catalog',
  },
  async handler({ mandate, params, ctx }) {
    return toolJson(
      await mandate.catalog.review(`${params.server}/${params.tool}`, {
        actor: 'admin',
        requestId: ctx.requestId,
      }),
    );
  },
});

export const listTools = route({
  method: 'GET',
  url: '/v1/tools',
  auth: 'admin',
  audit: null,
  summary:
    'The tool catalog, sorted by id: each tool with its upstream hints, the operator annotation and which applied',
  tag: 'policy',
  query: z.object({ server: z.string().max(64).optional() }),
  responses: { 200: 'Tools' },
  async handler({ mandate, query }) {
    return { tools: mandate.catalog.list(query.server).map(toolJson) };
  },
});
