import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 11,
  name: 'risk signals',
  sql: `
    -- Live risk signals (docs/signals.md): kept until they expire, so a restart keeps their risk
    -- and restrictions. Expired rows are deleted as new signals are kept.
    CREATE TABLE signals (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      source TEXT NOT NULL,
      risk INTEGER NOT NULL CHECK (risk BETWEEN 0 AND 100),
      confidence REAL,
      reason TEXT,
      task TEXT,
      agent TEXT,
      at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      responses TEXT NOT NULL,
      dedup_key TEXT
    );
    CREATE INDEX signals_expires_at ON signals (expires_at);
  `,
};
