import { z } from 'zod';
import type { TrustedIssuerRecord } from '../../core/store/index.js';
import { route } from '../route.js';

const ruleSchema = z
  .object({
    match: z
      .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]))
      .refine((m) => Object.keys(m).length > 0, 'must name at least one claim'),
    agent: z.string().min(1),
  })
  .strict();

const issuerBody = z
  .object({
    issuer: z.url(),
    jwks_uri: z.url().optional(),
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    audience: z.string().min(1),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();

function issuerJson(i: TrustedIssuerRecord) {
  return {
    issuer: i.issuer,
    jwks_uri: i.jwksUri,
    jwks: i.jwks,
    audience: i.audience,
    rules: i.rules,
    created_at: new Date(i.createdAt).toISOString(),
  };
}

export const putIssuer = route({
  method: 'POST',
  url: '/v1/trusted-issuers',
  auth: 'admin',
  audit: 'trusted_issuer.put',
  summary:
    'Trust a JWT issuer for attestation (Kubernetes, CI OIDC, any OIDC JWKS) with claim rules mapping its tokens to agents',
  tag: 'attestation',
  body: issuerBody,
  responses: { 200: 'The trusted issuer', 400: 'Invalid input' },
  async handler({ mandate, body, ctx }) {
    const record = await mandate.trustedIssuers.put(
      {
        issuer: body.issuer,
        jwksUri: body.jwks_uri ?? null,
        jwks: body.jwks ?? null,
        audience: body.audience,
        rules: body.rules,
      },
      ctx,
    );
    return issuerJson(record);
  },
});

export const listIssuers = route({
  method: 'GET',
  url: '/v1/trusted-issuers',
  auth: 'admin',
  audit: null,
  summary: 'List trusted attestation issuers',
  tag: 'attestation',
  responses: { 200: 'Trusted issuers' },
  async handler({ mandate }) {
    return { issuers: (await mandate.trustedIssuers.list()).map(issuerJson) };
  },
});

export const deleteIssuer = route({
  method: 'DELETE',
  url: '/v1/trusted-issuers',
  auth: 'admin',
  audit: 'trusted_issuer.delete',
  summary: 'Stop trusting an attestation issuer',
  tag: 'attestation',
  query: z.object({ issuer: z.string().min(1) }),
  responses: { 204: 'Removed', 404: 'Not trusted' },
  async handler({ mandate, query, ctx, reply }) {
    await mandate.trustedIssuers.remove(query.issuer, ctx);
    reply.status(204);
    return undefined;
  },
});
