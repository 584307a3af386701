import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 9,
  name: 'ssf streams',
  sql: `
    -- Shared Signals Framework streams (src/ssf): who receives Mandate's SETs and how.
    CREATE TABLE ssf_streams (
      id TEXT PRIMARY KEY,
      audience TEXT NOT NULL,
      events_requested TEXT NOT NULL,
      delivery TEXT NOT NULL,
      description TEXT,
      status TEXT NOT NULL CHECK (status IN ('enabled', 'paused', 'disabled')),
      status_reason TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
  `,
};
