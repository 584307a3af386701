import { buildOpenApi } from '../openapi.js';
import { route, type RouteDef } from '../route.js';

export const metrics = route({
  method: 'GET',
  url: '/metrics',
  auth: 'none',
  audit: null,
  summary: 'Prometheus metrics',
  tag: 'operations',
  responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
  async handler({ mandate, reply }) {
    reply.type(mandate.metrics.registry.contentType);
    return reply.send(await mandate.metrics.registry.metrics());
  },
});

/**
 * /openapi.json, built from the route table it is given: the table lists this route too, so it
 * hands itself over (`openapi(() => routes)`) instead of being imported here.
 */
export const openapi = (table: () => RouteDef[]): RouteDef =>
  route({
    method: 'GET',
    url: '/openapi.json',
    auth: 'none',
    audit: null,
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'operations',
    hidden: true,
    responses: { 200: 'OpenAPI document' },
    async handler({ mandate }) {
      return buildOpenApi(table(), mandate.config.issuer);
    },
  });
