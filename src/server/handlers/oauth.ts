import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { PeerVerifier } from '../../oauth/client-auth.js';
import { verifyX509Svid } from '../../identity/x509-svid-verifier.js';
import { MandateError } from '../../core/errors.js';
import { introspect } from '../../oauth/introspection.js';
import { revokeToken, type Revoker } from '../../oauth/revocation.js';
import { tokenEndpoint } from '../../oauth/token-endpoint.js';
import { TOKEN_TYPE } from '../../oauth/token-exchange/index.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { bearerToken } from '../../protocol/authorization-header.js';

export const token = route<URLSearchParams>({
  method: 'POST',
  url: '/oauth/token',
  auth: 'none',
  audit: 'task.start / token.delegate / token.exchange (refusals)',
  summary:
    'OAuth token endpoint: RFC 8693 token exchange (start a task, delegate, act on behalf of a human), client auth with a JWT-SVID',
  tag: 'oauth',
  form: true,
  errors: 'oauth',
  responses: { 200: 'A task token', 400: 'RFC 6749/8693 error', 401: 'invalid_client' },
  async handler({ mandate, body, request, reply, ctx }) {
    const issued = await tokenEndpoint(
      mandate.tokenEndpoint,
      body,
      request.headers.dpop,
      ctx,
      peerVerifier(mandate, request),
    );
    reply.header('pragma', 'no-cache');
    return {
      access_token: issued.accessToken,
      issued_token_type: TOKEN_TYPE.accessToken,
      token_type: issued.tokenType,
      expires_in: issued.expiresIn,
      scope: issued.scope,
      ...(issued.authorizationDetails
        ? { authorization_details: issued.authorizationDetails }
        : {}),
      task_id: issued.taskId,
    };
  },
});

/**
 * Who calls introspection or revocation: the admin (Bearer admin token) or an agent
 * authenticating with a JWT-SVID client assertion, as at the token endpoint.
 */
async function caller(
  mandate: Mandate,
  request: FastifyRequest,
  form: URLSearchParams,
): Promise<Revoker> {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const token = bearerToken(header);
    if (token !== undefined && (await mandate.adminToken.check(token))) return { kind: 'admin' };
    throw new MandateError(
      'invalid_token',
      'the Authorization header does not carry a valid admin token',
    );
  }
  const client = await mandate.clientAuth.authenticate(form, peerVerifier(mandate, request));
  await mandate.clientAuth.consumeAssertion(client);
  return { kind: 'agent', spiffeId: client.clientId };
}

/** The X.509-SVID a TLS client presented, verified against this trust domain's roots. */
export function peerVerifier(mandate: Mandate, request: FastifyRequest): PeerVerifier {
  return async () => {
    const socket = request.raw.socket as Partial<TLSSocket>;
    if (typeof socket.getPeerCertificate !== 'function') return null;
    let cert = socket.getPeerCertificate(true);
    if (!cert?.raw) return null;
    const chain: Buffer[] = [];
    while (cert?.raw && chain.length < 8) {
      chain.push(cert.raw);
      if (!cert.issuerCertificate || cert.issuerCertificate === cert) break;
      cert = cert.issuerCertificate;
    }
    return verifyX509Svid(
      chain,
      await mandate.ca.roots(),
      mandate.config.trustDomain,
      mandate.clock,
    );
  };
}

function tokenParam(form: URLSearchParams): string {
  const t = form.getAll('token');
  if (t.length !== 1 || !t[0])
    throw new MandateError('invalid_request', '`token` is required, once');
  return t[0];
}

export const introspection = route<URLSearchParams>({
  method: 'POST',
  url: '/oauth/introspect',
  auth: 'none',
  audit: null,
  summary:
    'Token introspection (RFC 7662); the caller authenticates (JWT-SVID client assertion or admin token)',
  tag: 'oauth',
  form: true,
  errors: 'oauth',
  responses: {
    200: 'active: true with the claims, or exactly {"active": false}',
    401: 'invalid_client',
  },
  async handler({ mandate, body, request }) {
    const form = body;
    await caller(mandate, request, form);
    return introspect(mandate.ownTokens, mandate.revocations, tokenParam(form));
  },
});

export const revocation = route<URLSearchParams>({
  method: 'POST',
  url: '/oauth/revoke',
  auth: 'none',
  audit: 'token.revoke',
  summary:
    'Token revocation (RFC 7009): revokes the token and every token delegated from it; 200 even for unknown tokens',
  tag: 'oauth',
  form: true,
  errors: 'oauth',
  responses: { 200: 'Revoked, or nothing to revoke', 401: 'invalid_client' },
  async handler({ mandate, body, request, ctx, reply }) {
    const form = body;
    const who = await caller(mandate, request, form);
    await revokeToken(mandate.tokenRevocation, tokenParam(form), who, {
      ...ctx,
      actor: who.kind === 'admin' ? 'admin' : who.spiffeId,
    });
    reply.status(200).type('application/json');
    return reply.send('{}');
  },
});
