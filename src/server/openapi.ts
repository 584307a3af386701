import { z } from 'zod';
import type { RouteDef } from './route.js';

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code', 'request_id'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    request_id: { type: 'string' },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest;
}

/** An OpenAPI 3.1 document built from the route table. */
export function buildOpenApi(routes: RouteDef[], serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemes: Record<string, unknown> = {};
  for (const r of routes) {
    if (r.hidden) continue;
    const path = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const props = (jsonSchema(schema).properties ?? {}) as Record<string, unknown>;
      const required = new Set((jsonSchema(schema).required ?? []) as string[]);
      for (const [name, s] of Object.entries(props))
        parameters.push({
          name,
          in: where,
          required: where === 'path' || required.has(name),
          schema: s,
        });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      const description = typeof spec === 'string' ? spec : spec.description;
      const contentType =
        typeof spec === 'string'
          ? Number(status) >= 400
            ? 'application/problem+json'
            : 'application/json'
          : spec.contentType;
      responses[status] =
        Number(status) === 204
          ? { description }
          : {
              description,
              content: { [contentType]: { schema: Number(status) >= 400 ? PROBLEM_SCHEMA : {} } },
            };
    }
    if (r.auth === 'admin')
      responses['401'] ??= {
        description: 'Missing or wrong admin token',
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      };
    if (typeof r.auth === 'object') {
      responses['401'] ??= {
        description: 'Neither the admin token nor a valid token of this route',
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      };
      schemes[r.auth.scheme] = { type: 'http', scheme: 'bearer', description: r.auth.description };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      security:
        r.auth === 'admin'
          ? [{ adminToken: [] }]
          : typeof r.auth === 'object'
            ? [{ adminToken: [] }, { [r.auth.scheme]: [] }]
            : [],
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: !r.body.safeParse(undefined).success,
              content: { 'application/json': { schema: jsonSchema(r.body) } },
            },
          }
        : {}),
      ...(r.audit ? { 'x-audit-event': r.audit } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Mandate API',
      version: '0.1.0',
      description: 'Identity and runtime authorization for AI agents.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin token (MANDATE_ADMIN_TOKEN or <data-dir>/admin-token)',
        },
        ...schemes,
      },
    },
    paths,
  };
}
