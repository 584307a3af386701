import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { MandateError } from '../core/errors.js';
import { jsonReadingProblem } from '../core/json-duplicates.js';
import { invalidRequest } from '../core/validation.js';
import type { RequestContext } from '../core/context.js';
import { actorOf } from '../humans/human.js';
import { requireHuman } from './human-auth.js';
import {
  redactSerializedRequest,
  redactValue,
  serializeError,
  serializeRequest,
} from './log-redaction.js';
import type { Mandate } from './mandate.js';
import { sendOAuthError, sendProblem } from './problem.js';
import type { RouteDef } from './route.js';
import { routes as allRoutes } from './routes.js';
import { bearerToken } from '../protocol/authorization-header.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Fields that must never reach a log line (tokens, keys, credentials). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  'req.headers["x-mandate-token"]',
  'res.headers["set-cookie"]',
];

export interface HttpServerOptions {
  logger?: boolean | Record<string, unknown>;
  routes?: RouteDef[];
}

/** Builds the Fastify app over a composed Mandate. Transport only: parse, call, map. */
export function buildHttpServer(
  mandate: Mandate,
  options: HttpServerOptions = {},
): FastifyInstance {
  const tls =
    mandate.config.tlsCert && mandate.config.tlsKey
      ? // Client certificates are requested but not required: X.509-SVIDs are checked against the trust bundle per request.
        {
          https: {
            cert: readFileSync(mandate.config.tlsCert),
            key: readFileSync(mandate.config.tlsKey),
            requestCert: true,
            rejectUnauthorized: false,
          },
        }
      : {};
  const app = Fastify({
    ...tls,
    logger: loggerOptions(options.logger, mandate.config.logLevel),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 256 * 1024,
    return503OnClosing: true,
    // Close idle keep-alive connections at shutdown instead of waiting out their timeout (a
    // client's spare pooled connection otherwise holds `close()` for over a minute).
    forceCloseConnections: 'idle',
  });

  // `request.cookies` and `reply.setCookie` for the human routes (server/human-auth.ts).
  void app.register(fastifyCookie);

  // OAuth endpoints take forms (RFC 6749 §3.2); URLSearchParams keeps repeated keys (resource, audience).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => done(null, new URLSearchParams(body as string)),
  );
  // JSON with a key given twice is read one way here and another way by the tool: refused (src/core/json-duplicates.ts).
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const problem = jsonReadingProblem(body as string);
    if (problem) return done(new MandateError('invalid_request', problem), undefined);
    return json(req, body as string, done);
  });

  // The MCP gateway's SSE streams would keep the server from closing: end its sessions first.
  mandate.gateway?.useLogger(app.log);
  app.addHook('preClose', async () => {
    // Revocation streams (GET /v1/events) would keep the server from closing too.
    mandate.revocationBus.disconnect();
    await mandate.gateway?.closeSessions();
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    mandate.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });
  app.setErrorHandler((err, request, reply) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof MandateError) && !(status && status < 500))
      request.log.error({ err }, 'unhandled error');
    const errors = (request.routeOptions.config as { errors?: string } | undefined)?.errors;
    return errors === 'oauth'
      ? sendOAuthError(reply, request, err)
      : sendProblem(reply, request, err);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      request,
      new MandateError(
        'not_found',
        `no route for \`${request.method} ${request.url.split('?')[0]}\``,
      ),
    ),
  );

  const streamed: Parameters<FastifyInstance['route']>[0][] = [];
  for (const def of options.routes ?? allRoutes) {
    const run = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const ctx: RequestContext = { actor: 'anonymous', requestId: String(request.id) };
      if (def.form && !(request.body instanceof URLSearchParams))
        throw new MandateError(
          'invalid_request',
          'send the parameters as application/x-www-form-urlencoded',
        );
      if (def.auth === 'admin') {
        await requireAdmin(mandate, request);
        ctx.actor = 'admin';
      } else if (typeof def.auth === 'object') {
        ctx.actor = await def.auth.check(mandate, request);
      }
      const human = def.auth === 'human' ? await requireHuman(mandate, request) : undefined;
      if (human) ctx.actor = actorOf(human);
      const body = def.form ? request.body : parse(def.body, request.body, 'body');
      const query = parse(def.query, request.query, 'query');
      const params = parse(def.params, request.params, 'params');
      const result = await def.handler({
        mandate,
        body,
        query,
        params,
        ctx,
        ...(human ? { human } : {}),
        request,
        reply,
      });
      if (reply.sent) return reply;
      if (result === undefined) return reply.send();
      return result;
    };
    const opts = {
      method: def.method,
      url: def.url,
      config: { errors: def.errors ?? 'problem' },
      handler: run,
    };
    if (def.stream) streamed.push(opts);
    else app.route(opts);
  }
  // Streamed routes (the HTTP proxy) get a scope whose only content-type parser reads nothing, so the handler streams `request.raw` itself.
  if (streamed.length > 0) {
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      for (const opts of streamed) scope.route(opts);
    });
  }
  return app;
}

/**
 * Logger options with the redaction always applied (./log-redaction.ts): REDACT_PATHS, the
 * request serializer that drops the query, and every message and field string cleared of
 * token-shaped values. Logger options given by a caller add to the redaction, never drop it.
 */
function loggerOptions(
  given: HttpServerOptions['logger'],
  level: string,
): false | Record<string, unknown> {
  if (given === false) return false;
  const base: Record<string, unknown> = typeof given === 'object' ? given : { level };
  const theirs = base.redact as string[] | { paths?: string[] } | undefined;
  const extra = Array.isArray(theirs) ? theirs : (theirs?.paths ?? []);
  const serializers = (base.serializers ?? {}) as Record<string, unknown>;
  // A caller's own request serializer (say, one that logs headers) is kept, its output redacted:
  // the url loses its query and token-shaped values, and REDACT_PATHS still censor the headers.
  const theirReq =
    typeof serializers.req === 'function'
      ? (serializers.req as (req: unknown) => unknown)
      : undefined;
  const req = theirReq
    ? (r: Parameters<typeof serializeRequest>[0]) => redactSerializedRequest(theirReq(r))
    : serializeRequest;
  return {
    ...base,
    redact: { paths: [...REDACT_PATHS, ...extra], censor: '[redacted]' },
    serializers: { ...serializers, req, err: serializeError },
    hooks: {
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => redactValue(a)),
        );
      },
    },
  };
}

function parse(schema: RouteDef['body'], value: unknown, where: string): unknown {
  if (!schema) return value;
  const parsed = schema.safeParse(value ?? undefined);
  if (parsed.success) return parsed.data;
  const err = invalidRequest(parsed.error);
  throw where === 'body' ? err : new MandateError(err.code, `${where} ${err.message}`, err.details);
}

async function requireAdmin(mandate: Mandate, request: FastifyRequest): Promise<void> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined)
    throw new MandateError(
      'unauthorized',
      'admin token required: send `Authorization: Bearer <token>`',
    );
  if (!(await mandate.adminToken.check(token)))
    throw new MandateError('unauthorized', 'admin token is not valid');
}
