import { TOOL_ACCESS_TYPE } from '../../delegation/authorization-details.js';
import { GRANT_TYPES } from '../../oauth/token-endpoint.js';
import { JWT_SVID_ALGORITHMS } from '../../protocol/jws-algorithms.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';

export const JWKS_PATH = '/.well-known/jwks.json';
export const BUNDLE_PATH = '/.well-known/spiffe-bundle';

/** Where the authorization endpoint and registration live (B's and A's routes of issue 15). */
export const AUTHORIZE_PATH = '/oauth/authorize';
export const REGISTER_PATH = '/oauth/register';

/** The scopes tokens may carry: each tool of the MCP gateway and of each HTTP proxy service. */
function scopesOf(mandate: Mandate): string[] {
  const scopes = new Set(mandate.gateway?.metadata().scopes_supported ?? []);
  for (const service of mandate.proxy?.services ?? [])
    for (const s of mandate.proxy?.metadata(service)?.scopes_supported ?? []) scopes.add(s);
  return [...scopes].sort();
}

/**
 * RFC 8414 metadata: the authorization code flow MCP hosts use (PKCE S256 only, public clients,
 * client ID metadata documents, registration when it is on) beside token exchange for agents.
 */
function serverMetadata(mandate: Mandate) {
  const issuer = mandate.config.issuer;
  const scopes = scopesOf(mandate);
  return {
    issuer,
    authorization_endpoint: `${issuer}${AUTHORIZE_PATH}`,
    token_endpoint: mandate.endpoints.token,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    ...(mandate.clientRegistration.mode !== 'off'
      ? { registration_endpoint: `${issuer}${REGISTER_PATH}` }
      : {}),
    // RFC 8414 §2: omitted rather than empty when no resource offers a tool yet.
    ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    // The token endpoint's grant table; the authorization code flow's grants are listed from the start.
    grant_types_supported: [...new Set(['authorization_code', 'refresh_token', ...GRANT_TYPES])],
    // OAuth 2.1 §4.1.1, MCP 2025-11-25: PKCE with S256 only; clients must see it here.
    code_challenge_methods_supported: ['S256'],
    // `none`: MCP hosts are public clients (PKCE); draft-ietf-oauth-spiffe-client-auth-02 §4: agents authenticate with their SVID.
    token_endpoint_auth_methods_supported: mandate.config.tlsCert
      ? ['none', 'spiffe_jwt', 'spiffe_x509']
      : ['none', 'spiffe_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...JWT_SVID_ALGORITHMS],
    // RFC 9207: the authorization response names its issuer.
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: mandate.config.clientMetadataDocuments,
    introspection_endpoint: mandate.endpoints.introspection,
    introspection_endpoint_auth_methods_supported: ['spiffe_jwt', 'bearer'],
    revocation_endpoint: mandate.endpoints.revocation,
    revocation_endpoint_auth_methods_supported: ['spiffe_jwt', 'bearer'],
    dpop_signing_alg_values_supported: [...mandate.dpop.algorithms],
    authorization_details_types_supported: [TOOL_ACCESS_TYPE],
    spiffe_bundle_endpoint: `${issuer}${BUNDLE_PATH}`,
    spiffe_trust_domain: mandate.config.trustDomain,
    attestation_endpoint: `${issuer}/v1/attest`,
  };
}

export const authorizationServerMetadata = route({
  method: 'GET',
  url: '/.well-known/oauth-authorization-server',
  auth: 'none',
  audit: null,
  summary: 'OAuth 2.0 Authorization Server Metadata (RFC 8414)',
  tag: 'discovery',
  responses: { 200: 'Metadata' },
  async handler({ mandate, reply }) {
    reply.header('cache-control', 'public, max-age=300');
    return serverMetadata(mandate);
  },
});

/**
 * OpenID Connect Discovery 1.0 at its well-known path, for clients that look there first: the
 * same document, plus `subject_types_supported` (`sub` is the human's one id, the same for every
 * client). It promises no ID tokens, no UserInfo and no `openid` scope, since Mandate issues
 * none: `id_token_signing_alg_values_supported` is left out (docs/decisions/0006).
 */
export const openidConfiguration = route({
  method: 'GET',
  url: '/.well-known/openid-configuration',
  auth: 'none',
  audit: null,
  summary:
    'OpenID Connect Discovery: the RFC 8414 metadata where it applies (no ID tokens are issued)',
  tag: 'discovery',
  responses: { 200: 'Metadata' },
  async handler({ mandate, reply }) {
    reply.header('cache-control', 'public, max-age=300');
    return { ...serverMetadata(mandate), subject_types_supported: ['public'] };
  },
});

export const jwks = route({
  method: 'GET',
  url: JWKS_PATH,
  auth: 'none',
  audit: null,
  summary: 'JSON Web Key Set: every key that signs or will sign tokens and JWT-SVIDs',
  tag: 'discovery',
  responses: { 200: 'JWKS' },
  async handler({ mandate, reply }) {
    const keys = await mandate.keys.published();
    reply.header('cache-control', 'public, max-age=60');
    return { keys: keys.map((k) => ({ ...k.jwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
  },
});

export const spiffeBundle = route({
  method: 'GET',
  url: BUNDLE_PATH,
  auth: 'none',
  audit: null,
  summary:
    'SPIFFE bundle endpoint: the trust bundle (x509-svid and jwt-svid keys) of this trust domain',
  tag: 'discovery',
  responses: { 200: 'SPIFFE bundle' },
  async handler({ mandate }) {
    return mandate.bundle.current();
  },
});
