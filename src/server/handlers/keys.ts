import { z } from 'zod';
import { route } from '../route.js';

export const listKeys = route({
  method: 'GET',
  url: '/v1/keys',
  auth: 'admin',
  audit: null,
  summary: 'List signing keys with their state (next, active, retired)',
  tag: 'keys',
  responses: { 200: 'Keys' },
  async handler({ mandate }) {
    const keys = await mandate.keys.list();
    const now = mandate.clock.now();
    return {
      keys: keys.map((k) => ({
        kid: k.kid,
        purpose: k.purpose,
        alg: k.alg,
        state: k.state,
        published: k.state !== 'retired' || (k.publishUntil ?? 0) > now,
        created_at: new Date(k.createdAt).toISOString(),
        activated_at: k.activatedAt ? new Date(k.activatedAt).toISOString() : null,
        retired_at: k.retiredAt ? new Date(k.retiredAt).toISOString() : null,
        publish_until: k.publishUntil ? new Date(k.publishUntil).toISOString() : null,
      })),
    };
  },
});

export const rotateKeys = route({
  method: 'POST',
  url: '/v1/keys/rotate',
  auth: 'admin',
  audit: 'key.rotate',
  summary:
    'Rotate signing keys: the published next key starts signing, the active one is retired once its tokens expire',
  tag: 'keys',
  body: z
    .object({ purpose: z.enum(['jwt-svid', 'token']).optional() })
    .strict()
    .optional(),
  responses: { 200: 'What rotated' },
  async handler({ mandate, body, ctx }) {
    const rotated = await mandate.keys.rotate(ctx, body?.purpose ? [body.purpose] : undefined);
    return { rotated };
  },
});
