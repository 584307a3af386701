import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 5,
  name: 'secrets',
  sql: `
    CREATE TABLE secrets (
      id TEXT PRIMARY KEY,
      description TEXT NOT NULL,
      type TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
      current_version INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      updated_by TEXT NOT NULL
    );
    -- Envelope encryption: each version has its own data key, wrapped by the master key's KEK.
    CREATE TABLE secret_versions (
      secret_id TEXT NOT NULL REFERENCES secrets(id),
      version INTEGER NOT NULL,
      wrapped_key TEXT NOT NULL,
      ciphertext TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      PRIMARY KEY (secret_id, version)
    );
  `,
};
