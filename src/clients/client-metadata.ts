import { MAX_REDIRECT_URIS, redirectUriProblem, type RedirectPolicy } from './redirect-uri.js';

/**
 * The client metadata Mandate reads (RFC 7591 §2), from a client ID metadata document or a
 * registration request: the same fields, checked the same way, with the differences each source
 * needs given by `MetadataSource`. Unknown fields are ignored (RFC 7591 §2).
 */
export interface ClientMetadata {
  /** `client_name`, or null when absent. */
  name: string | null;
  redirectUris: string[];
  logoUri: string | null;
  clientUri: string | null;
  tokenEndpointAuthMethod: 'none' | 'private_key_jwt';
}

/**
 * `document`: a client ID metadata document, shared with every server the client talks to, so
 * grant types Mandate does not issue are left alone; it may not carry a secret. `registration`:
 * an RFC 7591 request, registered as a public client (a secret-based method asked for is
 * replaced by `none`, §3.2.1); every grant and response type must be one Mandate issues.
 */
export type MetadataSource = 'document' | 'registration';

/** Why the metadata is refused: the field (`redirect_uris` problems are RFC 7591's `invalid_redirect_uri`). */
export interface MetadataProblem {
  field: string;
  problem: string;
}

export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
const MAX_NAME = 200;
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

type Read<T> = { value: T } | { error: MetadataProblem };

const fail = (field: string, problem: string): { error: MetadataProblem } => ({
  error: { field, problem },
});

/**
 * The metadata of `doc`, or why it cannot be used.
 *
 * @example readClientMetadata({ redirect_uris: ['http://127.0.0.1/cb'] }, 'registration', 'web')
 *   // { value: { name: null, redirectUris: ['http://127.0.0.1/cb'], logoUri: null, clientUri: null, tokenEndpointAuthMethod: 'none' } }
 */
export function readClientMetadata(
  doc: Record<string, unknown>,
  source: MetadataSource,
  redirects: RedirectPolicy,
): Read<ClientMetadata> {
  const uris = readRedirectUris(doc.redirect_uris, redirects);
  if ('error' in uris) return uris;
  const method = readAuthMethod(doc, source);
  if ('error' in method) return method;
  const types = readTypes(doc, source);
  if ('error' in types) return types;
  const name = readName(doc.client_name);
  if ('error' in name) return name;
  const logoUri = readHttpsUrl(doc.logo_uri, 'logo_uri');
  if ('error' in logoUri) return logoUri;
  const clientUri = readHttpsUrl(doc.client_uri, 'client_uri');
  if ('error' in clientUri) return clientUri;
  return {
    value: {
      name: name.value,
      redirectUris: uris.value,
      logoUri: logoUri.value,
      clientUri: clientUri.value,
      tokenEndpointAuthMethod: method.value,
    },
  };
}

function readRedirectUris(value: unknown, policy: RedirectPolicy): Read<string[]> {
  if (value === undefined) return fail('redirect_uris', 'is required');
  if (!Array.isArray(value) || value.length === 0)
    return fail('redirect_uris', 'must be a non-empty array of uris');
  if (value.length > MAX_REDIRECT_URIS)
    return fail('redirect_uris', `has more than ${MAX_REDIRECT_URIS} uris`);
  for (const [i, uri] of value.entries()) {
    if (typeof uri !== 'string') return fail(`redirect_uris[${i}]`, 'must be a string');
    const problem = redirectUriProblem(uri, policy);
    if (problem) return fail(`redirect_uris[${i}]`, problem);
  }
  return { value: [...new Set(value as string[])] };
}

function readAuthMethod(
  doc: Record<string, unknown>,
  source: MetadataSource,
): Read<ClientMetadata['tokenEndpointAuthMethod']> {
  const m = doc.token_endpoint_auth_method;
  if (source === 'document') {
    // draft-ietf-oauth-client-id-metadata-document §4.1: a published document holds no shared secret.
    if (doc.client_secret !== undefined || doc.client_secret_expires_at !== undefined)
      return fail('client_secret', 'must not be in a client id metadata document');
    if (m === undefined || m === 'none' || m === 'private_key_jwt') return { value: m ?? 'none' };
    if (typeof m === 'string' && SECRET_METHODS.has(m))
      return fail(
        'token_endpoint_auth_method',
        `\`${m}\` needs a shared secret, which a metadata document cannot have`,
      );
    return fail('token_endpoint_auth_method', 'must be `none` or `private_key_jwt`');
  }
  if (m === undefined || m === 'none' || (typeof m === 'string' && SECRET_METHODS.has(m)))
    return { value: 'none' };
  return fail(
    'token_endpoint_auth_method',
    'must be `none`: registered clients are public clients and prove themselves with pkce',
  );
}

function readTypes(doc: Record<string, unknown>, source: MetadataSource): Read<true> {
  for (const [field, needed, allowed] of [
    ['grant_types', 'authorization_code', GRANT_TYPES],
    ['response_types', 'code', ['code']],
  ] as const) {
    const v = doc[field];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      return fail(field, 'must be an array of strings');
    if (!v.includes(needed)) return fail(field, `must include \`${needed}\``);
    const other = v.find((x: string) => !(allowed as readonly string[]).includes(x)) as
      string | undefined;
    if (source === 'registration' && other !== undefined)
      return fail(
        field,
        `\`${other.slice(0, 80)}\` is not supported; use ${allowed.map((a) => `\`${a}\``).join(', ')}`,
      );
  }
  return { value: true };
}

function readName(value: unknown): Read<string | null> {
  if (value === undefined) return { value: null };
  if (typeof value !== 'string') return fail('client_name', 'must be a string');
  const name = value.trim();
  if (name === '' || Array.from(name).length > MAX_NAME)
    return fail('client_name', `must be 1 to ${MAX_NAME} characters`);
  // Shown to the human who consents: nothing that could hide or reorder what the page says.
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name))
    return fail('client_name', 'must not contain control or formatting characters');
  return { value: name };
}

function readHttpsUrl(value: unknown, field: string): Read<string | null> {
  if (value === undefined) return { value: null };
  if (typeof value !== 'string' || value.length > 2000 || !/^https:\/\/[^\s]+$/u.test(value))
    return fail(field, 'must be an https url');
  try {
    new URL(value);
  } catch {
    return fail(field, 'must be an https url');
  }
  return { value };
}
