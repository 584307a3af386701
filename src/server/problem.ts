import type { FastifyReply, FastifyRequest } from 'fastify';
import { isMandateError, MandateError, statusOf } from '../core/errors.js';

/** RFC 9457 problem details, with Mandate's stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Maps any thrown value to a problem document; internal errors say nothing about internals. */
export function toProblem(err: unknown, requestId: string): Problem {
  const mapped = normalize(err);
  const status = statusOf(mapped.code);
  return {
    type: `https://mandate.dev/problems/${mapped.code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: mapped.message,
    code: mapped.code,
    request_id: requestId,
    ...(mapped.details ?? {}),
  };
}

function normalize(err: unknown): MandateError {
  if (isMandateError(err)) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  // Fastify's own client errors (bad JSON, body too large, wrong content type).
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new MandateError('invalid_request', 'request body is too large');
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new MandateError('invalid_request', 'unsupported content type; send application/json');
    if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new MandateError('invalid_request', 'request body is empty; send a JSON object');
    return new MandateError('invalid_request', `request body is not valid json`);
  }
  return new MandateError('internal', 'internal error; the request id is in the server log');
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  const problem = toProblem(err, String(request.id));
  if (problem.code === 'unauthorized') reply.header('www-authenticate', 'Bearer realm="mandate-admin"');
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
