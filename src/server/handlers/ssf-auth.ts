import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../../core/context.js';
import { MandateError } from '../../core/errors.js';
import { checkAdminToken } from '../admin-token.js';
import type { Mandate } from '../mandate.js';

/**
 * Who may use one stream's receiver routes (poll, status read, verification, configuration read):
 * the admin token, or that stream's receiver token (docs/ssf.md). Sets `ctx.actor` to `admin` or
 * `ssf_receiver:<id>`; with no stream named, the admin token only. Every other token, another stream's included, is refused with the same
 * answer whether or not the stream exists. The token itself is never logged nor audited.
 */
export async function authorizeStreamReceiver(mandate: Mandate, request: FastifyRequest, ctx: RequestContext, streamId: string | undefined): Promise<void> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) throw new MandateError('unauthorized', 'send the admin token or the stream\'s receiver token: `Authorization: Bearer <token>`');
  if (await checkAdminToken(mandate.store, match[1])) {
    ctx.actor = 'admin';
    return;
  }
  // No stream named (the list of all streams): the admin's alone.
  if (streamId === undefined) throw new MandateError('unauthorized', 'admin token is not valid');
  if (!(await mandate.ssf.streams.isReceiverToken(streamId, match[1]))) throw new MandateError('unauthorized', 'the bearer token is neither the admin token nor this stream\'s receiver token');
  ctx.actor = `ssf_receiver:${streamId}`;
}
