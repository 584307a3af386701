import { TOOL_ACCESS_TYPE } from '../../delegation/authorization-details.js';
import { GRANT_TYPES } from '../../oauth/token-endpoint.js';
import { JWT_SVID_ALGORITHMS } from '../../protocol/jws-algorithms.js';
import { route } from '../route.js';

export const JWKS_PATH = '/.well-known/jwks.json';
export const BUNDLE_PATH = '/.well-known/spiffe-bundle';

export const authorizationServerMetadata = route({
  method: 'GET',
  url: '/.well-known/oauth-authorization-server',
  auth: 'none',
  audit: null,
  summary: 'OAuth 2.0 Authorization Server Metadata (RFC 8414)',
  tag: 'discovery',
  responses: { 200: 'Metadata' },
  async handler({ mandate, reply }) {
    const issuer = mandate.config.issuer;
    reply.header('cache-control', 'public, max-age=300');
    return {
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      spiffe_bundle_endpoint: `${issuer}${BUNDLE_PATH}`,
      spiffe_trust_domain: mandate.config.trustDomain,
      attestation_endpoint: `${issuer}/v1/attest`,
      token_endpoint: mandate.endpoints.token,
      introspection_endpoint: mandate.endpoints.introspection,
      revocation_endpoint: mandate.endpoints.revocation,
      grant_types_supported: [...GRANT_TYPES],
      // draft-ietf-oauth-spiffe-client-auth-02 §4: JWT-SVID client authentication.
      token_endpoint_auth_methods_supported: mandate.config.tlsCert
        ? ['spiffe_jwt', 'spiffe_x509']
        : ['spiffe_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...JWT_SVID_ALGORITHMS],
      introspection_endpoint_auth_methods_supported: ['spiffe_jwt', 'bearer'],
      revocation_endpoint_auth_methods_supported: ['spiffe_jwt', 'bearer'],
      dpop_signing_alg_values_supported: [...mandate.dpop.algorithms],
      authorization_details_types_supported: [TOOL_ACCESS_TYPE],
      // No authorization endpoint: tokens come only from token exchange, so there are no
      // response types; RFC 8414 §3.2 omits zero-element members (docs/tokens.md).
    };
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
