import type { Migration } from './migration.js';

/**
 * The authorization server's OAuth clients (src/clients/, docs/clients.md): registered ones and
 * metadata-document ones a human consented to; and the initial access tokens for registration.
 */
export const migration: Migration = {
  version: 14,
  name: 'oauth clients',
  sql: `
      CREATE TABLE oauth_clients (
        client_id TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('metadata-document', 'registered')),
        name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL,
        token_endpoint_auth_method TEXT NOT NULL CHECK (token_endpoint_auth_method IN ('none', 'private_key_jwt')),
        logo_uri TEXT,
        client_uri TEXT,
        owner TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX oauth_clients_unclaimed ON oauth_clients (created_at) WHERE owner IS NULL;
      CREATE TABLE client_registration_tokens (
        hash TEXT PRIMARY KEY,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        uses_left INTEGER NOT NULL
      );
    `,
};
