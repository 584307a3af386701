import type { FastifyReply, FastifyRequest } from 'fastify';
import { oauthErrorOf, statusOf, titleOf } from '../core/error-codes.js';
import { isMandateError, MandateError } from '../core/errors.js';
import { quotedDescription } from '../protocol/auth-param.js';

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

/** Maps any thrown value to a problem document; internal errors say nothing about internals. */
export function toProblem(err: unknown, requestId: string): Problem {
  const mapped = normalize(err);
  const status = statusOf(mapped.code);
  // The RFC 9457 members and ours come last: details never override them.
  return {
    ...(mapped.details ?? {}),
    type: `https://mandate.dev/problems/${mapped.code}`,
    title: titleOf(mapped.code),
    status,
    detail: mapped.message,
    code: mapped.code,
    request_id: requestId,
  };
}

function normalize(err: unknown): MandateError {
  if (isMandateError(err)) return err;
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  // Fastify's own client errors (bad JSON, body too large, wrong content type).
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return new MandateError('invalid_request', 'request body is too large');
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return new MandateError('invalid_request', 'unsupported content type; send application/json');
    if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
      return new MandateError('invalid_request', 'request body is empty; send a JSON object');
    return new MandateError('invalid_request', `request body is not valid json`);
  }
  return new MandateError('internal', 'internal error; the request id is in the server log');
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  err: unknown,
): FastifyReply {
  const problem = toProblem(err, String(request.id));
  if (problem.code === 'unauthorized')
    reply.header('www-authenticate', 'Bearer realm="mandate-admin"');
  // RFC 9449 §9: the nonce travels in the DPoP-Nonce header at resource endpoints too.
  if (problem.code === 'use_dpop_nonce' && typeof problem.nonce === 'string')
    reply.header('dpop-nonce', problem.nonce);
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

/** RFC 6749 §5.2 error response for the OAuth endpoints. */
export function sendOAuthError(
  reply: FastifyReply,
  request: FastifyRequest,
  err: unknown,
): FastifyReply {
  const e = normalize(err);
  const { error: standard, status } = oauthErrorOf(e.code);
  // RFC 9396 §5: `invalid_authorization_details` is an `invalid_request` of its own name.
  const error = typeof e.details?.oauthError === 'string' ? e.details.oauthError : standard;
  if (e.code === 'use_dpop_nonce' && typeof e.details?.nonce === 'string')
    reply.header('dpop-nonce', e.details.nonce);
  if (status === 503) reply.header('retry-after', '1');
  // RFC 6750 §3: a rejected bearer credential is answered with a challenge.
  if (error === 'invalid_token')
    reply.header(
      'www-authenticate',
      `Bearer error="invalid_token", error_description=${quotedDescription(e.message)}`,
    );
  reply.header('pragma', 'no-cache');
  return reply
    .status(status)
    .type('application/json')
    .send({ error, error_description: e.message, request_id: String(request.id) });
}
