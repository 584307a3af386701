import type { StoreTx } from '../core/store/index.js';

/**
 * An OAuth client of Mandate's authorization server: an MCP host (Claude Code, VS Code, Cursor,
 * MCP Inspector, …) that a person drives. It is identified by a client ID metadata document (its
 * `client_id` is the HTTPS URL of that document) or by RFC 7591 dynamic registration. Each client
 * acts as the agent `spiffe://<trust-domain>/client/<id>`, created at its first consent and owned
 * by the human who gave it (docs/clients.md).
 */
export interface OAuthClient {
  /** An https URL (a client ID metadata document) or the id Mandate registered. */
  clientId: string;
  kind: 'metadata-document' | 'registered';
  /** `client_name`, or the `client_id` URL's host when absent. */
  name: string;
  /** Exact strings; a loopback entry matches any port (RFC 8252 §7.3). */
  redirectUris: string[];
  /** `spiffe://<trust-domain>/client/<id>`: `id` is stable and derived from `clientId`. */
  spiffeId: string;
  /** The human who first consented, or null before any consent. */
  owner: string | null;
  status: 'active' | 'revoked';
  logoUri?: string;
  clientUri?: string;
  tokenEndpointAuthMethod: 'none' | 'private_key_jwt';
}

/** How the authorization endpoint finds clients and records consent to them. */
export interface ClientDirectory {
  /**
   * The client a `client_id` names: a registered one, or the metadata document at that URL,
   * fetched (under the internal-network rules, size and time bounds) and cached. Throws
   * `MandateError('invalid_client' | 'invalid_request')` saying why the client cannot be used.
   */
  resolve(clientId: string): Promise<OAuthClient>;
  /** True when `redirectUri` is one of the client's, exactly; a loopback one matches on any port. */
  redirectAllowed(client: OAuthClient, redirectUri: string): boolean;
  /**
   * Records `human` as the client's owner when it has none, and creates the client's agent
   * identity when it is missing; in the caller's transaction, so a consent and its client commit
   * together.
   */
  recordConsent(tx: StoreTx, client: OAuthClient, human: string): Promise<void>;
}
