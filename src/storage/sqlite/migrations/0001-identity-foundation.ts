import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 1,
  name: 'identity foundation',
  sql: `
      CREATE TABLE agents (
        name TEXT PRIMARY KEY,
        spiffe_id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        purpose TEXT NOT NULL,
        labels TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'retired')),
        max_task_ttl_seconds INTEGER NOT NULL,
        max_delegation_depth INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE join_tokens (
        hash TEXT PRIMARY KEY,
        agent_name TEXT NOT NULL REFERENCES agents(name),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        alg TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired')),
        public_jwk TEXT NOT NULL,
        sealed_private_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        activated_at INTEGER,
        retired_at INTEGER,
        publish_until INTEGER
      );
      CREATE TABLE cas (
        id TEXT PRIMARY KEY,
        cert_pem TEXT NOT NULL,
        chain_pems TEXT NOT NULL,
        root_pems TEXT NOT NULL,
        sealed_private_key TEXT NOT NULL,
        not_before INTEGER NOT NULL,
        not_after INTEGER NOT NULL,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        audience TEXT NOT NULL,
        signer TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX credentials_signer_exp ON credentials (signer, expires_at);
      CREATE INDEX credentials_exp ON credentials (expires_at);
      CREATE TABLE trusted_issuers (
        issuer TEXT PRIMARY KEY,
        jwks_uri TEXT,
        jwks TEXT,
        audience TEXT NOT NULL,
        rules TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        request_id TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_events_time ON audit_events (time);
      CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        time INTEGER NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
};
