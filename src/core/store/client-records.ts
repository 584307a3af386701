/**
 * The persisted shape of the authorization server's OAuth clients (src/clients/): MCP hosts a
 * person drives, identified by a client ID metadata document or by RFC 7591 dynamic
 * registration, and the initial access tokens an admin hands out for registration. Plain data,
 * epoch milliseconds, like ./records.ts.
 */

export type OAuthClientKind = 'metadata-document' | 'registered';
export type OAuthClientStatus = 'active' | 'revoked';

/**
 * A client Mandate knows: every registered one, and each metadata-document client a human has
 * consented to (its document is fetched again as caching allows; this row keeps what was last
 * consented to, its owner and its status).
 */
export interface OAuthClientRecord {
  /** The `client_id`: an https URL (metadata document) or the id registration gave. */
  clientId: string;
  /** Stable, derived from `clientId`: the client's agent identity is `spiffe://<td>/client/<id>`. */
  id: string;
  kind: OAuthClientKind;
  name: string;
  redirectUris: string[];
  tokenEndpointAuthMethod: 'none' | 'private_key_jwt';
  logoUri: string | null;
  clientUri: string | null;
  /** The human who first consented; null until then. */
  owner: string | null;
  status: OAuthClientStatus;
  /** `registration` (open), `registration-token`, or `consent` (a metadata document). */
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  revokedAt: number | null;
}

/** An initial access token for RFC 7591 registration (`registration: initial-access-token`). */
export interface RegistrationTokenRecord {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  hash: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  /** Registrations it may still make. */
  usesLeft: number;
}
