import type {
  OAuthClientReader,
  OAuthClientRecord,
  OAuthClientWriter,
  RegistrationTokenReader,
  RegistrationTokenRecord,
  RegistrationTokenWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type ClientRow = {
  client_id: string;
  id: string;
  kind: string;
  name: string;
  redirect_uris: string;
  token_endpoint_auth_method: string;
  logo_uri: string | null;
  client_uri: string | null;
  owner: string | null;
  status: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
};

const clientOf = (r: ClientRow): OAuthClientRecord => ({
  clientId: r.client_id,
  id: r.id,
  kind: r.kind as OAuthClientRecord['kind'],
  name: r.name,
  redirectUris: parse<string[]>(r.redirect_uris),
  tokenEndpointAuthMethod:
    r.token_endpoint_auth_method as OAuthClientRecord['tokenEndpointAuthMethod'],
  logoUri: r.logo_uri,
  clientUri: r.client_uri,
  owner: r.owner,
  status: r.status as OAuthClientRecord['status'],
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revokedAt: r.revoked_at,
});

/** OAuth clients (migration 14). */
export class SqliteOAuthClients implements OAuthClientReader, OAuthClientWriter {
  constructor(private readonly s: Statements) {}

  async get(clientId: string) {
    const r = this.s.one<ClientRow>('SELECT * FROM oauth_clients WHERE client_id = ?', clientId);
    return r ? clientOf(r) : undefined;
  }

  async getById(id: string) {
    const r = this.s.one<ClientRow>('SELECT * FROM oauth_clients WHERE id = ?', id);
    return r ? clientOf(r) : undefined;
  }

  async list(
    f: {
      status?: OAuthClientRecord['status'];
      owner?: string;
      kind?: OAuthClientRecord['kind'];
    } = {},
  ) {
    return this.s
      .all<ClientRow>(
        'SELECT * FROM oauth_clients WHERE (? IS NULL OR status = ?) AND (? IS NULL OR owner = ?) AND (? IS NULL OR kind = ?) ORDER BY created_at, client_id',
        f.status ?? null,
        f.status ?? null,
        f.owner ?? null,
        f.owner ?? null,
        f.kind ?? null,
        f.kind ?? null,
      )
      .map(clientOf);
  }

  async insert(c: OAuthClientRecord) {
    this.s.run(
      'INSERT INTO oauth_clients (client_id, id, kind, name, redirect_uris, token_endpoint_auth_method, logo_uri, client_uri, owner, status, created_by, created_at, updated_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      c.clientId,
      c.id,
      c.kind,
      c.name,
      json(c.redirectUris),
      c.tokenEndpointAuthMethod,
      c.logoUri,
      c.clientUri,
      c.owner,
      c.status,
      c.createdBy,
      c.createdAt,
      c.updatedAt,
      c.revokedAt,
    );
  }

  async update(c: OAuthClientRecord) {
    this.s.run(
      'UPDATE oauth_clients SET name = ?, redirect_uris = ?, token_endpoint_auth_method = ?, logo_uri = ?, client_uri = ?, owner = ?, status = ?, created_by = ?, updated_at = ?, revoked_at = ? WHERE client_id = ?',
      c.name,
      json(c.redirectUris),
      c.tokenEndpointAuthMethod,
      c.logoUri,
      c.clientUri,
      c.owner,
      c.status,
      c.createdBy,
      c.updatedAt,
      c.revokedAt,
      c.clientId,
    );
  }

  async deleteUnclaimed(before: number, limit: number) {
    return this.s.run(
      "DELETE FROM oauth_clients WHERE client_id IN (SELECT client_id FROM oauth_clients WHERE owner IS NULL AND kind = 'registered' AND created_at < ? ORDER BY created_at, client_id LIMIT ?)",
      before,
      limit,
    ).changes;
  }
}

type TokenRow = {
  hash: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  uses_left: number;
};

const tokenOf = (r: TokenRow): RegistrationTokenRecord => ({
  hash: r.hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usesLeft: r.uses_left,
});

/** Initial access tokens for client registration (migration 14). */
export class SqliteRegistrationTokens implements RegistrationTokenReader, RegistrationTokenWriter {
  constructor(private readonly s: Statements) {}

  async get(hash: string) {
    const r = this.s.one<TokenRow>('SELECT * FROM client_registration_tokens WHERE hash = ?', hash);
    return r ? tokenOf(r) : undefined;
  }

  async insert(t: RegistrationTokenRecord) {
    this.s.run(
      'INSERT INTO client_registration_tokens (hash, created_by, created_at, expires_at, uses_left) VALUES (?, ?, ?, ?, ?)',
      t.hash,
      t.createdBy,
      t.createdAt,
      t.expiresAt,
      t.usesLeft,
    );
  }

  async consume(hash: string, now: number) {
    const changed = this.s.run(
      'UPDATE client_registration_tokens SET uses_left = uses_left - 1 WHERE hash = ? AND uses_left > 0 AND expires_at > ?',
      hash,
      now,
    ).changes;
    return changed > 0 ? this.get(hash) : undefined;
  }

  async deleteExpired(before: number) {
    return this.s.run('DELETE FROM client_registration_tokens WHERE expires_at < ?', before)
      .changes;
  }
}
