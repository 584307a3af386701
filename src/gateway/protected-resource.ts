/**
 * RFC 9728 protected resource metadata for the MCP gateway (served at
 * `/.well-known/oauth-protected-resource/mcp`) and each HTTP proxy service (at
 * `/.well-known/oauth-protected-resource/proxy/<name>`): the well-known path with the resource's
 * path appended (§3.1), which is the `resource_metadata` URL every 401 names. The authorization
 * server is Mandate itself: agents get task tokens for the resource by token exchange
 * (docs/tokens.md).
 */

export const METADATA_PATH = '/.well-known/oauth-protected-resource/mcp';

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported: string[];
  dpop_bound_access_tokens_required: boolean;
  dpop_signing_alg_values_supported: string[];
  resource_name: string;
  resource_documentation?: string;
}

export function protectedResourceMetadata(o: {
  resource: string;
  name: string;
  issuer: string;
  scopes: string[];
  dpopRequired: boolean;
  dpopAlgs: readonly string[];
}): ProtectedResourceMetadata {
  return {
    resource: o.resource,
    authorization_servers: [o.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: o.scopes,
    dpop_bound_access_tokens_required: o.dpopRequired,
    dpop_signing_alg_values_supported: [...o.dpopAlgs],
    resource_name: o.name,
  };
}
