import type { IncomingMessage } from 'node:http';
import { MAX_REGISTRATION_BYTES, registrationResponse } from '../../clients/registration.js';
import { MandateError } from '../../core/errors.js';
import { bearerToken } from '../../protocol/authorization-header.js';
import { REGISTER_PATH } from './well-known.js';
import { sendProblem } from '../problem.js';
import { route } from '../route.js';

/**
 * RFC 7591 dynamic client registration (docs/clients.md). The body is read here, not by the
 * JSON parser, so that a malformed one is RFC 7591's `invalid_client_metadata` (§3.2.2) rather
 * than a generic `invalid_request`; errors are the RFC's JSON. With `registration` off the
 * endpoint does not exist (404, and the metadata names none).
 */
export const registerClient = route({
  method: 'POST',
  url: REGISTER_PATH,
  auth: 'none',
  audit: 'client.register',
  summary:
    'RFC 7591 dynamic client registration of a public client (an MCP host); with `registration: initial-access-token`, `Authorization: Bearer <initial access token>`',
  tag: 'oauth',
  stream: true,
  errors: 'oauth',
  responses: {
    201: 'The registered client (RFC 7591 §3.2.1)',
    400: '`invalid_redirect_uri` or `invalid_client_metadata` (RFC 7591 §3.2.2)',
    401: '`invalid_token`: the initial access token is missing or not valid',
    404: 'Registration is off',
  },
  async handler({ mandate, request, reply, ctx }) {
    if (mandate.clientRegistration.mode === 'off') {
      request.raw.resume();
      return sendProblem(
        reply,
        request,
        new MandateError('not_found', 'dynamic client registration is off on this server'),
      );
    }
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== 'application/json') {
      request.raw.resume();
      throw new MandateError(
        'invalid_client_metadata',
        'send the client metadata as application/json (RFC 7591 §3.1)',
      );
    }
    const body = await readBody(request.raw, MAX_REGISTRATION_BYTES);
    const client = await mandate.clientRegistration.register(
      body,
      bearerToken(request.headers.authorization),
      ctx,
    );
    reply.status(201);
    return registrationResponse(client);
  },
});

/** The request body as text, refused past `max` bytes without reading further. */
function readBody(raw: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    raw.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        raw.removeAllListeners('data');
        raw.resume();
        return reject(
          new MandateError(
            'invalid_client_metadata',
            `the registration request is larger than ${max} bytes`,
          ),
        );
      }
      chunks.push(chunk);
    });
    raw.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    raw.on('error', reject);
  });
}
