import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 12,
  name: 'task sessions',
  sql: `
    -- Each task's session state (src/session/session-states.ts): read back when a task is not in
    -- the in-memory cache (evicted, or after a restart). The taint has its own column; the rest
    -- is JSON. Rows go with their task.
    CREATE TABLE task_sessions (
      task_id TEXT PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
      highest_classification TEXT NOT NULL,
      data TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
    -- Tasks active before this migration had their session in memory only, and it is gone: they
    -- fail closed, tainted at the top classification, instead of starting over untainted.
    INSERT INTO task_sessions (task_id, highest_classification, data, updated_at)
      SELECT id, 'restricted', '{"toolsCalled":[],"recentTools":[],"externalDestinations":[],"firstExternalAt":null,"denials":0,"denialStreak":0,"approvalsRequired":0,"callCount":0,"callsInWindow":[],"lastAt":null}', CAST(strftime('%s', 'now') AS INTEGER) * 1000
        FROM tasks WHERE status = 'active';
  `,
};
