import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 8,
  name: 'grant requests, human sessions',
  sql: `
    CREATE TABLE grant_requests (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      human TEXT NOT NULL,
      scopes TEXT NOT NULL,
      purpose TEXT NOT NULL,
      duration_seconds INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      decided_at INTEGER,
      decided_by TEXT,
      note TEXT
    );
    CREATE INDEX grant_requests_human ON grant_requests (human, status, created_at);
    CREATE INDEX grant_requests_agent ON grant_requests (agent, status, created_at);
    CREATE INDEX grants_human ON grants (human);
    -- Only the SHA-256 of a session id is stored; the id itself lives in the human's cookie.
    CREATE TABLE human_sessions (
      id_hash TEXT PRIMARY KEY,
      human TEXT NOT NULL,
      groups TEXT NOT NULL,
      method TEXT NOT NULL CHECK (method IN ('oidc', 'local')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX human_sessions_exp ON human_sessions (expires_at);
  `,
};
