import type { Migration } from './migration.js';

export const migration: Migration = {
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
};
