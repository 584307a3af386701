import type { Migration } from './migration.js';

export const migration: Migration = {
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
};
