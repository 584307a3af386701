import { statusOf } from '../../core/error-codes.js';
import { MandateError } from '../../core/errors.js';
import { SetError, type SetErrorCode } from '../../ssf/receiver.js';
import { route } from '../route.js';

/** A pushed SET larger than this is refused unread. */
const MAX_SET_BYTES = 64 * 1024;

/**
 * RFC 8935 push delivery into Mandate: the configured identity provider POSTs one SET
 * (`application/secevent+jwt`); 202 when accepted, 400 with `{err, description}` (§2.3) when not.
 * Authenticated by the SET's signature (src/ssf/receiver.ts; docs/ssf.md).
 */
export const receiveSet = route({
  method: 'POST',
  url: '/v1/ssf/receiver',
  auth: 'none',
  audit: 'ssf.received',
  summary:
    'Receive a SET from the configured identity provider (RFC 8935): CAEP session-revoked or credential-change about a human revokes their grants',
  tag: 'ssf',
  stream: true,
  responses: {
    202: 'Accepted',
    400: '{err, description} (RFC 8935 §2.3)',
    404: 'No receiver is configured',
    415: 'Not application/secevent+jwt',
  },
  async handler({ mandate, request, reply, ctx }) {
    const receiver = mandate.ssf.receiver;
    if (!receiver)
      throw new MandateError('not_found', 'no ssf receiver is configured (`ssfReceiverIssuer`)');
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const body = await readBody(request.raw);
    const refuse = (err: SetErrorCode, description: string) =>
      reply.code(statusOf(err)).type('application/json').send({ err, description });
    if (type !== 'application/secevent+jwt')
      return refuse('invalid_request', 'send one set as `application/secevent+jwt`');
    if (body === null) return refuse('invalid_request', `the set exceeds ${MAX_SET_BYTES} bytes`);
    try {
      await receiver.receive(body.trim(), ctx);
    } catch (err) {
      if (err instanceof SetError) return refuse(err.err, err.description);
      throw err;
    }
    return reply.code(202).send();
  },
});

async function readBody(raw: NodeJS.ReadableStream): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > MAX_SET_BYTES) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
