import type { FastifyRequest } from 'fastify';
import { MandateError } from '../../core/errors.js';
import type { Mandate } from '../mandate.js';
import type { BearerAuth } from '../route.js';
import { bearerToken } from '../../protocol/authorization-header.js';

/**
 * Who may use one stream's receiver routes (poll, status read, verification, configuration read):
 * the admin token, or that stream's receiver token (docs/ssf.md). The actor is `admin` or
 * `ssf_receiver:<id>`; with no stream named, the admin token only. Every other token, another
 * stream's included, is refused with the same answer whether or not the stream exists, before
 * the request's input is parsed. The token itself is never logged nor audited.
 *
 * `streamIdOf` reads the stream id from the raw request (`:id`, `?stream_id`, or the body's
 * `stream_id`); anything but a string counts as no stream named.
 */
export function streamReceiverAuth(where: 'params' | 'query' | 'body'): BearerAuth {
  return {
    scheme: 'ssfReceiverToken',
    description:
      "An SSF stream's receiver token (`receiver_token` of its creation), for that stream's poll, status, verification and configuration read",
    check: async (mandate, request) => {
      const raw = (request[where] as Record<string, unknown> | undefined)?.[
        where === 'params' ? 'id' : 'stream_id'
      ];
      return authorizeStreamReceiver(mandate, request, typeof raw === 'string' ? raw : undefined);
    },
  };
}

async function authorizeStreamReceiver(
  mandate: Mandate,
  request: FastifyRequest,
  streamId: string | undefined,
): Promise<string> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined)
    throw new MandateError(
      'unauthorized',
      "send the admin token or the stream's receiver token: `Authorization: Bearer <token>`",
    );
  if (await mandate.adminToken.check(token)) return 'admin';
  // No stream named (the list of all streams): the admin's alone.
  if (streamId === undefined) throw new MandateError('unauthorized', 'admin token is not valid');
  if (!(await mandate.ssf.streams.isReceiverToken(streamId, token)))
    throw new MandateError(
      'unauthorized',
      "the bearer token is neither the admin token nor this stream's receiver token",
    );
  return `ssf_receiver:${streamId}`;
}
