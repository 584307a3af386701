import { z } from 'zod';
import { MandateError } from '../core/errors.js';
import { normalizeHost } from '../core/host.js';
import type { CredentialBinding } from './broker.js';
import { MANDATE_JWT_MAX_TTL_SECONDS } from './providers/mandate-jwt.js';
import { SECRET_ID } from './secret-store.js';

/**
 * Credential bindings as an operator writes them (docs/broker.md), checked in full: the broker
 * checks every binding it is handed (once per binding object), and an enforcement point may call
 * `parseCredentialBinding` at start to refuse a bad configuration early.
 */

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
/** Headers a credential may not set: they frame the request or route it. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'expect',
  'cookie',
]);
const LOOPBACK = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** An absolute https URL without credentials or fragment; plain http only to a loopback host. */
const endpoint = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute url' });
      return;
    }
    const host = normalizeHost(url.hostname) ?? '';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK(host)))
      ctx.addIssue({
        code: 'custom',
        message: 'must be an https url (http only to a loopback host)',
      });
    if (url.username || url.password)
      ctx.addIssue({
        code: 'custom',
        message: 'must not carry credentials in the url; put the client secret in the secret store',
      });
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a fragment' });
  });

const secret = z
  .string()
  .regex(SECRET_ID, 'must name a secret (1-128 letters, digits, `.`, `_`, `-`)');
const text = z.string().min(1).max(2048);
const clientAuth = z.enum(['client_secret_basic', 'client_secret_post']);

const staticBinding = z
  .strictObject({
    provider: z.literal('static'),
    secret,
    as: z.enum(['bearer', 'header', 'basic', 'query']),
    header: z
      .string()
      .regex(HEADER_NAME, 'must be an http header name')
      .refine(
        (h) => !RESERVED_HEADERS.has(h.toLowerCase()),
        'names a header a credential may not set',
      )
      .optional(),
    param: z.string().min(1).max(128).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.as === 'header' && !b.header)
      ctx.addIssue({ code: 'custom', path: ['header'], message: 'is required with `as: header`' });
    if (b.as === 'query' && !b.param)
      ctx.addIssue({ code: 'custom', path: ['param'], message: 'is required with `as: query`' });
  });

const clientCredentials = z.strictObject({
  provider: z.literal('oauth_client_credentials'),
  secret,
  tokenEndpoint: endpoint,
  clientId: text,
  scope: text.optional(),
  audience: text.optional(),
  resource: text.optional(),
  auth: clientAuth.optional(),
});

const tokenExchange = z.strictObject({
  provider: z.literal('oauth_token_exchange'),
  secret,
  tokenEndpoint: endpoint,
  clientId: text,
  audience: text.optional(),
  resource: text.optional(),
  scope: text.optional(),
  requestedTokenType: text.optional(),
  auth: clientAuth.optional(),
  assertionAudience: text.optional(),
});

const mandateJwt = z.strictObject({
  provider: z.literal('mandate_jwt'),
  audience: text,
  ttlSeconds: z.number().int().min(1).max(MANDATE_JWT_MAX_TTL_SECONDS).optional(),
});

export const credentialBindingSchema = z.discriminatedUnion('provider', [
  staticBinding,
  clientCredentials,
  tokenExchange,
  mandateJwt,
]);

/** The binding, checked; throws `invalid_config` naming the first bad field (never a value). */
export function parseCredentialBinding(input: unknown): CredentialBinding {
  const parsed = credentialBindingSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = ['credential', ...(issue?.path ?? []).map(String)].join('.');
  throw new MandateError(
    'invalid_config',
    `invalid credential binding: \`${path}\` ${issue?.message.toLowerCase() ?? 'is invalid'}`,
    { field: path, reason: 'bad_binding' },
  );
}
