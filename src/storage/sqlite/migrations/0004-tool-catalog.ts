import type { Migration } from './migration.js';

export const migration: Migration = {
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
};
