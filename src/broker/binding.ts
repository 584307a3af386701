import { z } from 'zod';
import { MandateError } from '../core/errors.js';
import { normalizeHost } from '../core/host.js';
import { firstIssue } from '../core/validation.js';
import { SECRET_ID } from './secret-store.js';

/**
 * Credential bindings as an operator writes them (docs/broker.md), checked in full: the broker
 * checks every binding it is handed (once per binding object), and an enforcement point may call
 * `parseCredentialBinding` at start to refuse a bad configuration early.
 */

export interface StaticBinding {
  provider: 'static';
  /** Secret id in the secret store. */
  secret: string;
  as: 'bearer' | 'header' | 'basic' | 'query';
  /** For `as: header`: the header name (e.g. `x-api-key`). */
  header?: string;
  /** For `as: query`: the query parameter name. */
  param?: string;
}
export interface ClientCredentialsBinding {
  provider: 'oauth_client_credentials';
  /** Secret id of the client secret. */
  secret: string;
  tokenEndpoint: string;
  clientId: string;
  scope?: string;
  audience?: string;
  resource?: string;
  /** RFC 6749 §2.3.1; `client_secret_basic` by default. */
  auth?: 'client_secret_basic' | 'client_secret_post';
}
export interface TokenExchangeBinding {
  provider: 'oauth_token_exchange';
  /** Secret id of the client secret. */
  secret: string;
  tokenEndpoint: string;
  clientId: string;
  audience?: string;
  resource?: string;
  scope?: string;
  requestedTokenType?: string;
  /** RFC 6749 §2.3.1; `client_secret_basic` by default. */
  auth?: 'client_secret_basic' | 'client_secret_post';
  /** `aud` of the identity assertion sent as `subject_token`; the token endpoint URL by default. */
  assertionAudience?: string;
}
export interface MandateJwtBinding {
  provider: 'mandate_jwt';
  /** The service, as its `aud`. */
  audience: string;
  /** 60 by default, at most 300; never past the caller's token. */
  ttlSeconds?: number;
}
/** What an upstream needs, as an operator binds it to an upstream service. */
export type CredentialBinding =
  StaticBinding | ClientCredentialsBinding | TokenExchangeBinding | MandateJwtBinding;

/** Longest lifetime an operator may give a minted JWT (it is also bounded by the caller's token). */
export const MANDATE_JWT_MAX_TTL_SECONDS = 300;

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
  const { field, problem } = firstIssue(parsed.error, 'credential');
  throw new MandateError('invalid_config', `invalid credential binding: \`${field}\` ${problem}`, {
    field,
    reason: 'bad_binding',
  });
}
