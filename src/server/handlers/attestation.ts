import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import { route } from '../route.js';
import { peerVerifier } from './oauth.js';

export const createJoinTokenRoute = route({
  method: 'POST',
  url: '/v1/agents/:name/join-tokens',
  auth: 'admin',
  audit: 'join_token.create',
  summary: 'Create a one-time join token an agent instance attests with',
  tag: 'attestation',
  params: z.object({ name: z.string().max(63) }),
  body: z
    .object({ ttl: z.number().int().positive().max(86_400).optional() })
    .strict()
    .optional(),
  responses: {
    201: 'The token (shown once)',
    404: 'No such agent',
    403: 'The agent is not active',
  },
  async handler({ mandate, params, body, ctx, reply }) {
    const issued = await mandate.attestation.createJoinToken(
      params.name,
      body?.ttl ?? mandate.config.joinTokenTtl,
      ctx,
    );
    reply.status(201);
    return {
      join_token: issued.token,
      agent: issued.agentName,
      expires_at: new Date(issued.expiresAt).toISOString(),
    };
  },
});

const attestBody = z
  .object({
    join_token: z.string().min(1).max(256).optional(),
    attestation_jwt: z.string().min(1).max(16_384).optional(),
    jwt_svid: z
      .object({
        audience: z.union([z.string(), z.array(z.string())]),
        ttl: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    x509_svid: z
      .object({ csr: z.string().min(1).max(16_384), ttl: z.number().int().positive().optional() })
      .strict()
      .optional(),
  })
  .strict();

export const attest = route({
  method: 'POST',
  url: '/v1/attest',
  auth: 'none',
  audit: 'agent.attest',
  summary:
    'Attest an agent instance (join token or JWT from a trusted issuer) and receive its SVIDs',
  tag: 'attestation',
  body: attestBody,
  responses: {
    200: 'The SVIDs',
    400: 'Invalid request',
    401: 'Attestation failed',
    403: 'The agent is not active',
  },
  async handler({ mandate, body, ctx }) {
    if (Boolean(body.join_token) === Boolean(body.attestation_jwt)) {
      throw new MandateError(
        'invalid_request',
        'give exactly one of `join_token` and `attestation_jwt`',
      );
    }
    const evidence = body.join_token
      ? { method: 'join_token' as const, token: body.join_token }
      : { method: 'jwt' as const, token: body.attestation_jwt! };
    const audience = body.jwt_svid
      ? Array.isArray(body.jwt_svid.audience)
        ? body.jwt_svid.audience
        : [body.jwt_svid.audience]
      : undefined;
    const result = await mandate.attestation
      .attest(
        evidence,
        {
          jwt: audience ? { audience, ttlSeconds: body.jwt_svid?.ttl } : undefined,
          x509: body.x509_svid
            ? { csrPem: body.x509_svid.csr, ttlSeconds: body.x509_svid.ttl }
            : undefined,
        },
        ctx,
      )
      .catch((err: unknown) => {
        mandate.metrics.attestations.inc({ method: evidence.method, outcome: 'failure' });
        throw err;
      });
    mandate.metrics.attestations.inc({ method: evidence.method, outcome: 'success' });
    if (result.jwtSvid) mandate.metrics.svidsIssued.inc({ kind: 'jwt' });
    if (result.x509Svid) mandate.metrics.svidsIssued.inc({ kind: 'x509' });
    return {
      agent: result.agent.name,
      spiffe_id: result.agent.spiffeId,
      ...(result.jwtSvid
        ? {
            jwt_svid: {
              token: result.jwtSvid.token,
              expires_at: new Date(result.jwtSvid.expiresAt).toISOString(),
            },
          }
        : {}),
      ...(result.x509Svid
        ? {
            x509_svid: {
              cert_chain: [result.x509Svid.certPem, ...result.x509Svid.chainPems],
              bundle: await mandate.ca.roots(),
              expires_at: new Date(result.x509Svid.notAfter).toISOString(),
            },
          }
        : {}),
    };
  },
});

export const renewJwtSvid = route<URLSearchParams>({
  method: 'POST',
  url: '/v1/svid/jwt',
  auth: 'none',
  audit: 'svid.renew',
  summary:
    'Fresh JWT-SVIDs for an attested agent, authenticated by a current JWT-SVID client assertion (jwt-spiffe; spent on use, like at the token endpoint); `next=true` adds the SVID to renew with next time',
  tag: 'attestation',
  form: true,
  errors: 'oauth',
  responses: { 200: 'The JWT-SVID', 401: 'invalid_client' },
  async handler({ mandate, body, ctx, request }) {
    const client = await mandate.clientAuth.authenticate(body, peerVerifier(mandate, request));
    if (!client.agent)
      throw new MandateError(
        'invalid_client',
        'only agents of this trust domain renew their SVIDs here',
      );
    await mandate.clientAuth.consumeAssertion(client);
    const audience = body.getAll('audience').filter(Boolean);
    const ttl = body.get('ttl');
    const svid = await mandate.attestation.renewJwtSvid(
      client.agent,
      audience,
      ttl ? Number(ttl) : undefined,
      { ...ctx, actor: client.clientId },
    );
    mandate.metrics.svidsIssued.inc({ kind: 'jwt' });
    // `next=true`: also the SVID to renew with next time (aud = the issuer). Every assertion is
    // spent on use, so an agent that spends one per token request needs two out of each renewal.
    const next =
      body.get('next') === 'true'
        ? await mandate.attestation.renewJwtSvid(client.agent, [mandate.config.issuer], undefined, {
            ...ctx,
            actor: client.clientId,
          })
        : undefined;
    if (next) mandate.metrics.svidsIssued.inc({ kind: 'jwt' });
    const json = (s: { token: string; expiresAt: number }) => ({
      token: s.token,
      expires_at: new Date(s.expiresAt).toISOString(),
    });
    return {
      spiffe_id: client.clientId,
      jwt_svid: json(svid),
      ...(next ? { next_jwt_svid: json(next) } : {}),
    };
  },
});
