import type { Migration } from './migration.js';

/**
 * Indexes retention deletes by, so each bounded batch finds its rows without a table scan
 * (docs/operations.md).
 */
export const migration: Migration = {
  version: 13,
  name: 'retention indexes',
  sql: `
      CREATE INDEX IF NOT EXISTS task_tokens_exp ON task_tokens (expires_at);
      -- Edges are deleted by the descendant too; the primary key only leads with the ancestor.
      CREATE INDEX IF NOT EXISTS task_token_ancestors_jti ON task_token_ancestors (jti);
      CREATE INDEX IF NOT EXISTS tasks_exp ON tasks (expires_at);
      CREATE INDEX IF NOT EXISTS join_tokens_exp ON join_tokens (expires_at);
      CREATE INDEX IF NOT EXISTS approvals_exp ON approvals (expires_at);
      CREATE INDEX IF NOT EXISTS grant_requests_exp ON grant_requests (expires_at);
      CREATE INDEX IF NOT EXISTS grants_exp ON grants (expires_at);
    `,
};
