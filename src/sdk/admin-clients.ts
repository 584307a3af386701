import type { Http } from './http.js';

/** An OAuth client of Mandate's authorization server (an MCP host), as `GET /v1/clients` shows it. */
export interface OAuthClient {
  /** The end of its SPIFFE ID; `mandate clients show <id>` takes it (or the client_id). */
  id: string;
  /** An https URL (client ID metadata document) or the id registration gave. */
  client_id: string;
  kind: 'metadata-document' | 'registered';
  name: string;
  redirect_uris: string[];
  /** `spiffe://<trust-domain>/client/<id>` */
  spiffe_id: string;
  /** Its agent identity (`client/<id>`), created at its first consent; null before. */
  agent: { name: string; status: 'active' | 'suspended' | 'retired' } | null;
  /** The human who first consented; null before. */
  owner: string | null;
  status: 'active' | 'revoked';
  token_endpoint_auth_method: 'none' | 'private_key_jwt';
  logo_uri: string | null;
  client_uri: string | null;
  /** `registration`, `registration-token` or `consent` (a metadata document at its first consent). */
  created_by: string;
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
}

/** An initial access token for RFC 7591 registration, shown once. */
export interface RegistrationToken {
  registration_token: string;
  expires_at: string;
  uses: number;
  /** The server's `registration` setting: the token is only asked for under `initial-access-token`. */
  registration: 'off' | 'open' | 'initial-access-token';
}

/**
 * The OAuth clients of the authorization server (docs/clients.md): `MandateAdminClient.clients`.
 *
 * @example
 * const clients = await admin.clients.list({ status: 'active' });
 * await admin.clients.revoke(clients[0].id); // its identity retired, its grants revoked
 */
export class ClientsAdmin {
  constructor(private readonly http: Http) {}

  /** Registered clients and consented metadata-document clients, oldest first. */
  async list(
    filter: { status?: 'active' | 'revoked'; owner?: string } = {},
  ): Promise<OAuthClient[]> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, v);
    return (
      await this.http.json<{ clients: OAuthClient[] }>('GET', `/v1/clients${q.size ? `?${q}` : ''}`)
    ).clients;
  }

  /** One client, by its id or its client_id. */
  get(idOrClientId: string): Promise<OAuthClient> {
    return this.http.json('GET', `/v1/clients/${encodeURIComponent(idOrClientId)}`);
  }

  /** Revokes a client: no new authorization, its agent identity retired, its grants revoked. */
  revoke(idOrClientId: string): Promise<OAuthClient> {
    return this.http.json('POST', `/v1/clients/${encodeURIComponent(idOrClientId)}/revoke`);
  }

  /** A new initial access token for registration (`uses` registrations within `ttlSeconds`). */
  createRegistrationToken(
    o: { ttlSeconds?: number; uses?: number } = {},
  ): Promise<RegistrationToken> {
    return this.http.json('POST', '/v1/clients/registration-tokens', {
      ...(o.ttlSeconds !== undefined ? { ttl_seconds: o.ttlSeconds } : {}),
      ...(o.uses !== undefined ? { uses: o.uses } : {}),
    });
  }
}
