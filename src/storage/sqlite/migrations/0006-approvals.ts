import type { Migration } from './migration.js';

export const migration: Migration = {
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
};
