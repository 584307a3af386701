import { z } from 'zod';
import { MAX_SECRET_BYTES, type SecretMetadata } from '../../broker/secret-store.js';
import { route } from '../route.js';

/**
 * The broker's secrets over HTTP (admin only). Write-only: no route returns a value, only
 * metadata (docs/broker.md).
 */

const iso = (ms: number) => new Date(ms).toISOString();
const view = (s: SecretMetadata) => ({
  id: s.id,
  description: s.description,
  type: s.type,
  status: s.status,
  version: s.version,
  versions: s.versions.map((v) => ({
    version: v.version,
    created_at: iso(v.createdAt),
    created_by: v.createdBy,
  })),
  created_at: iso(s.createdAt),
  created_by: s.createdBy,
  updated_at: iso(s.updatedAt),
  updated_by: s.updatedBy,
});
// The id is checked by the secret store (one rule, one message); here only its size.
const id = z.object({ id: z.string().min(1).max(256) });

export const putSecret = route({
  method: 'PUT',
  url: '/v1/secrets/:id',
  auth: 'admin',
  audit: 'secret.put',
  summary:
    'Create a secret (version 1) or rotate it (the next version is used from now on); answers with metadata only, never the value (audit: secret.put, or secret.rotate)',
  tag: 'secrets',
  params: id,
  body: z
    .object({
      // A JSON object (e.g. {"username", "password"} for basic auth) is stored as its JSON text.
      value: z.union([
        z.string().min(1).max(MAX_SECRET_BYTES),
        z.record(z.string().max(256), z.string().max(MAX_SECRET_BYTES)),
      ]),
      description: z.string().max(1024).optional(),
      type: z.string().max(64).optional(),
    })
    .strict(),
  responses: {
    200: 'Rotated: the metadata',
    201: 'Created: the metadata',
    400: 'Invalid id or value',
  },
  async handler({ mandate, params, body, ctx, reply }) {
    const value = typeof body.value === 'string' ? body.value : JSON.stringify(body.value);
    const { secret, created } = await mandate.secrets.put(
      params.id,
      {
        value,
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.type !== undefined ? { type: body.type } : {}),
      },
      ctx,
    );
    reply.status(created ? 201 : 200);
    return view(secret);
  },
});

export const listSecrets = route({
  method: 'GET',
  url: '/v1/secrets',
  auth: 'admin',
  audit: null,
  summary: 'List secrets: metadata only (id, description, type, status, versions, who and when)',
  tag: 'secrets',
  responses: { 200: '{ secrets }' },
  async handler({ mandate }) {
    return { secrets: (await mandate.secrets.list()).map(view) };
  },
});

export const showSecret = route({
  method: 'GET',
  url: '/v1/secrets/:id',
  auth: 'admin',
  audit: null,
  summary: "One secret's metadata; the value is never returned",
  tag: 'secrets',
  params: id,
  responses: { 200: 'The metadata', 404: 'No such secret' },
  async handler({ mandate, params }) {
    return view(await mandate.secrets.get(params.id));
  },
});

export const disableSecret = route({
  method: 'POST',
  url: '/v1/secrets/:id/disable',
  auth: 'admin',
  audit: 'secret.disable',
  summary: 'Stop the broker from using a secret (its versions are kept; enable undoes it)',
  tag: 'secrets',
  params: id,
  responses: { 200: 'The metadata', 404: 'No such secret' },
  async handler({ mandate, params, ctx }) {
    return view(await mandate.secrets.disable(params.id, ctx));
  },
});

export const enableSecret = route({
  method: 'POST',
  url: '/v1/secrets/:id/enable',
  auth: 'admin',
  audit: 'secret.enable',
  summary: 'Let the broker use a disabled secret again',
  tag: 'secrets',
  params: id,
  responses: { 200: 'The metadata', 404: 'No such secret' },
  async handler({ mandate, params, ctx }) {
    return view(await mandate.secrets.enable(params.id, ctx));
  },
});

export const deleteSecret = route({
  method: 'DELETE',
  url: '/v1/secrets/:id',
  auth: 'admin',
  audit: 'secret.delete',
  summary:
    'Delete a secret: every stored version is destroyed; the id may be put again later and continues the version numbers',
  tag: 'secrets',
  params: id,
  responses: { 204: 'Deleted', 404: 'No such secret' },
  async handler({ mandate, params, ctx, reply }) {
    await mandate.secrets.delete(params.id, ctx);
    reply.status(204);
    return undefined;
  },
});
