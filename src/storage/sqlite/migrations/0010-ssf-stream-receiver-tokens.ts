import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 10,
  name: 'ssf stream receiver tokens',
  sql: `
    -- SHA-256 (hex) of each stream's receiver token: it lets the receiver poll and read that stream
    -- only. Streams created before this migration have none (the admin token only).
    ALTER TABLE ssf_streams ADD COLUMN receiver_token_sha256 TEXT;
  `,
};
