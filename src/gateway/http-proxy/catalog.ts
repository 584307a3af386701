import { normalizeHost } from '../../core/host.js';
import type { McpToolDescription, ToolAnnotation } from '../../policy/tool-catalog.js';
import type { ServiceConfig } from './config.js';
import { parseTemplate, REST_PARAM } from './template.js';

/**
 * A service's routes as tools of the catalog (server = the service name, so a route's tool is
 * `<service>/<tool>` with scope `tool:<service>/<tool>`). The definition describes the arguments
 * the proxy hands the decision point: `{ method, url, path, params, query, body }`. The operator's
 * attributes of a route become the tool's annotation; a route without `destinations` reaches
 * the upstream's host and nothing else, and the upstream URL (argument `url`) is the call's
 * destination, so rules about external destinations hold for proxied calls too. Side effect and classification are left to the
 * catalog's restrictive defaults when not given: an HTTP method says what a well-behaved API
 * does, not what this one does.
 */

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };

export function serviceTools(s: ServiceConfig): {
  tools: McpToolDescription[];
  annotations: Record<string, ToolAnnotation>;
} {
  const upstreamHost = normalizeHost(new URL(s.upstream).hostname);
  const byTool = new Map<string, ServiceConfig['routes']>();
  for (const r of s.routes) byTool.set(r.tool, [...(byTool.get(r.tool) ?? []), r]);
  const tools: McpToolDescription[] = [];
  const annotations: Record<string, ToolAnnotation> = {};
  for (const [name, routes] of byTool) {
    const params = new Set(
      routes.flatMap((r) => {
        const t = parseTemplate(r.path);
        return 'error' in t ? [] : t.params;
      }),
    );
    const ops = routes.map((r) => `${r.method} ${r.path}`);
    tools.push({
      name,
      title: `${s.name}: ${ops.join(', ')}`.slice(0, 1024),
      description:
        `HTTP ${ops.join(', ')} through the Mandate proxy at /proxy/${s.name}, forwarded to ${s.upstream}.`.slice(
          0,
          64 * 1024,
        ),
      inputSchema: {
        type: 'object',
        properties: {
          method: { type: 'string', enum: [...new Set(routes.map((r) => r.method))] },
          url: {
            type: 'string',
            description: 'the upstream url the request is forwarded to, without the query',
          },
          path: {
            type: 'string',
            description: `the request path under /proxy/${s.name}, canonically encoded; one of ${routes.map((r) => `\`${r.path}\``).join(', ')}`,
          },
          params: {
            type: 'object',
            properties: Object.fromEntries(
              [...params].map((p) => [
                p,
                {
                  type: 'string',
                  description:
                    p === REST_PARAM
                      ? 'the rest of the path after the `/**` prefix'
                      : 'a decoded path segment',
                },
              ]),
            ),
          },
          query: { type: 'object', additionalProperties: stringOrList },
          body: { description: 'the JSON request body; absent for any other content type' },
        },
        required: ['method', 'url', 'path', 'params', 'query'],
      },
    });
    const first = (k: 'sideEffect' | 'classification' | 'destinations' | 'labels' | 'extractors') =>
      routes.find((r) => r[k] !== undefined)?.[k];
    const sideEffect = first('sideEffect');
    const classification = first('classification');
    const labels = first('labels');
    const routeExtractors = first('extractors') as ToolAnnotation['extractors'] | undefined;
    annotations[name] = {
      ...(sideEffect ? { sideEffect: sideEffect as ToolAnnotation['sideEffect'] } : {}),
      ...(classification
        ? { classification: classification as ToolAnnotation['classification'] }
        : {}),
      destinations:
        (first('destinations') as string[] | undefined) ?? (upstreamHost ? [upstreamHost] : ['*']),
      ...(labels ? { labels: labels as Record<string, string> } : {}),
      // The upstream's host is the call's destination (so taint rules apply to proxied calls); the operator may add paths into the body.
      // Without route extractors the catalog's defaults apply, as to an MCP tool: `url` by its name,
      // and the body and query scanned at every depth for destination names, whole URLs and IP literals.
      ...(routeExtractors
        ? { extractors: [{ path: 'url', kind: 'url' }, ...routeExtractors] }
        : {}),
    };
  }
  return { tools, annotations };
}
