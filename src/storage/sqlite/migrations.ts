/**
 * Versioned, forward-only migrations. Never edit a released migration: add the next one.
 * Each runs in its own transaction and records its version in `schema_migrations`.
 */
import { laterMigrations } from './migrations-later.js';
import { retentionMigrations } from './migrations-retention.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
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
  },
];

migrations.push({
  version: 2,
  name: 'tasks, task tokens, delegation, federation',
  sql: `
    ALTER TABLE agents ADD COLUMN allowed_scopes TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE agents ADD COLUMN require_dpop INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE tasks (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      subject TEXT NOT NULL,
      purpose TEXT NOT NULL,
      scopes TEXT NOT NULL,
      authorization_details TEXT NOT NULL,
      audience TEXT NOT NULL,
      grant_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('active', 'ended', 'expired')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      ended_at INTEGER,
      ended_by TEXT,
      root_jti TEXT NOT NULL
    );
    CREATE INDEX tasks_agent ON tasks (agent, created_at);
    CREATE INDEX tasks_active_exp ON tasks (status, expires_at);
    CREATE TABLE task_tokens (
      jti TEXT PRIMARY KEY,
      task_id TEXT NOT NULL REFERENCES tasks(id),
      parent_jti TEXT,
      ancestors TEXT NOT NULL,
      depth INTEGER NOT NULL,
      subject TEXT NOT NULL,
      holder TEXT NOT NULL,
      client_id TEXT NOT NULL,
      scopes TEXT NOT NULL,
      audience TEXT NOT NULL,
      cnf_jkt TEXT,
      issued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER,
      revoked_by TEXT
    );
    CREATE INDEX task_tokens_task ON task_tokens (task_id);
    CREATE INDEX task_tokens_revoked ON task_tokens (revoked_at, expires_at);
    -- Edges of the delegation tree (ancestor → descendant), so a subtree is one indexed lookup.
    CREATE TABLE task_token_ancestors (
      ancestor TEXT NOT NULL,
      jti TEXT NOT NULL,
      PRIMARY KEY (ancestor, jti)
    );
    CREATE TABLE replay_cache (
      key TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX replay_cache_exp ON replay_cache (expires_at);
    CREATE TABLE trust_rules (
      id TEXT PRIMARY KEY,
      from_pattern TEXT NOT NULL,
      to_pattern TEXT NOT NULL,
      max_depth INTEGER,
      cross_domain INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE grants (
      id TEXT PRIMARY KEY,
      human TEXT NOT NULL,
      agent TEXT NOT NULL,
      scopes TEXT NOT NULL,
      purpose TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'expired')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER
    );
    CREATE INDEX grants_agent ON grants (agent);
    CREATE TABLE federated_domains (
      trust_domain TEXT PRIMARY KEY,
      bundle_endpoint TEXT,
      bundle TEXT NOT NULL,
      refreshed_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    );
  `,
});

migrations.push({
  version: 3,
  name: 'policy sets',
  sql: `
    CREATE TABLE policy_sets (
      version INTEGER PRIMARY KEY,
      files TEXT NOT NULL,
      digest TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      activated_at INTEGER,
      status TEXT NOT NULL CHECK (status IN ('active', 'inactive'))
    );
    -- INVARIANT: at most one active policy set.
    CREATE UNIQUE INDEX policy_sets_one_active ON policy_sets (status) WHERE status = 'active';
  `,
});

migrations.push({
  version: 4,
  name: 'tool catalog',
  sql: `
    CREATE TABLE tool_servers (
      server TEXT PRIMARY KEY,
      tools TEXT NOT NULL,
      annotations TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      updated_by TEXT NOT NULL
    );
  `,
});

migrations.push({
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
});

migrations.push({
  version: 6,
  name: 'approvals',
  sql: `
    CREATE TABLE approvals (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      task_id TEXT NOT NULL,
      target TEXT NOT NULL,
      arguments_digest TEXT NOT NULL,
      policy_set_version TEXT NOT NULL,
      decision_id TEXT NOT NULL,
      reasons TEXT NOT NULL,
      audience TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used', 'expired')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      decided_at INTEGER,
      decided_by TEXT,
      used_at INTEGER,
      note TEXT
    );
    CREATE INDEX approvals_binding ON approvals (agent, task_id, target, arguments_digest, status);
    CREATE INDEX approvals_status ON approvals (status, created_at);
  `,
});

migrations.push(...laterMigrations, ...retentionMigrations);
