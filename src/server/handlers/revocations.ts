import { z } from 'zod';
import { revokeSigningKey } from '../../revocation/key-revocation.js';
import { route } from '../route.js';
import { approvalJson } from './approvals.js';

/**
 * Revocations that have no other home in the API: withdrawing an approval and taking a signing
 * key out of service. Each is one transaction with its audit event and its revocation event, so
 * every enforcement point following GET /v1/events hears of it (docs/revocation.md).
 */

export const revokeApproval = route({
  method: 'POST',
  url: '/v1/approvals/:id/revoke',
  auth: 'admin',
  audit: 'approval.revoke',
  summary: 'Withdraw a pending or approved approval: it can no longer be approved or used',
  tag: 'approvals',
  params: z.object({ id: z.string().min(1).max(80) }),
  body: z
    .object({ reason: z.string().min(1).max(1024).optional() })
    .strict()
    .optional(),
  responses: {
    200: 'The approval, revoked',
    404: 'No such approval',
    409: 'Already denied, used, expired or revoked',
  },
  async handler({ mandate, params, body, ctx }) {
    const revoked = await mandate.approvals.revoke(params.id, {
      by: ctx.actor,
      requestId: ctx.requestId,
      ...(body?.reason ? { reason: body.reason } : {}),
    });
    return approvalJson(revoked);
  },
});

export const revokeKey = route({
  method: 'POST',
  url: '/v1/keys/:kid/revoke',
  auth: 'admin',
  audit: 'key.revoke',
  summary:
    'Take a signing key out of service (it leaked): it leaves the JWKS at once and every token it signed is revoked; an active key is rotated out first',
  tag: 'keys',
  params: z.object({ kid: z.string().min(1).max(128) }),
  responses: { 200: 'The key, revoked', 404: 'No such key' },
  async handler({ mandate, params, ctx }) {
    const key = await revokeSigningKey(mandate.keyRevocation, params.kid, ctx);
    return {
      kid: key.kid,
      purpose: key.purpose,
      state: key.state,
      published: false,
      revoked_at: new Date(key.publishUntil ?? mandate.clock.now()).toISOString(),
    };
  },
});
