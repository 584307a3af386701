import { z } from 'zod';
import { route } from '../route.js';
import { streamReceiverAuth } from './ssf-auth.js';

/**
 * RFC 8936 poll delivery for one stream, authenticated by the admin token or that stream's
 * receiver token (ssf-auth.ts): acknowledge SETs (`ack`), report refused ones (`setErrs`), and
 * receive the next ones (`sets`, `moreAvailable`).
 */
export const pollStream = route({
  method: 'POST',
  url: '/v1/ssf/poll/:id',
  auth: streamReceiverAuth('params'),
  audit: null,
  summary:
    "Poll a stream for SETs (RFC 8936 §2.4): {ack?, setErrs?, maxEvents?, returnImmediately?} → {sets, moreAvailable}; admin token or the stream's receiver token",
  tag: 'ssf',
  params: z.object({ id: z.string().min(1).max(128) }),
  body: z.object({
    ack: z.array(z.string().max(256)).max(1000).optional(),
    setErrs: z
      .record(
        z.string().max(256),
        z.object({ err: z.string().max(256), description: z.string().max(1024).optional() }),
      )
      .optional(),
    maxEvents: z.number().int().min(0).max(1_000_000).optional(),
    returnImmediately: z.boolean().optional(),
  }),
  responses: {
    200: '{sets: {jti: SET}, moreAvailable}',
    400: 'Malformed poll, or a push stream',
    401: "Neither the admin token nor the stream's receiver token",
    404: 'No such stream',
  },
  async handler({ mandate, params, body }) {
    return mandate.ssf.streams.poll(params.id, {
      ack: body.ack ?? [],
      setErrs: body.setErrs ?? {},
      maxEvents: body.maxEvents,
      // RFC 8936 §2.4: returnImmediately defaults to false.
      returnImmediately: body.returnImmediately ?? false,
    });
  },
});
