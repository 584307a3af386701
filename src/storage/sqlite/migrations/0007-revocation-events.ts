import type { Migration } from './migration.js';

export const migration: Migration = {
  version: 7,
  name: 'revocation events',
  sql: `
    -- The ordered revocation feed (docs/revocation.md): appended in the transaction of the change it
    -- reports; the in-memory registry and GET /v1/events follow it. AUTOINCREMENT: a seq is never
    -- reused, not even after compaction deletes the newest rows.
    CREATE TABLE revocation_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL CHECK (kind IN ('token', 'task', 'agent', 'grant', 'approval', 'key')),
      subject TEXT NOT NULL,
      at INTEGER NOT NULL,
      expires_at INTEGER,
      cause TEXT NOT NULL,
      status TEXT CHECK (status IS NULL OR status IN ('active', 'suspended', 'retired'))
    );
    CREATE INDEX revocation_events_subject ON revocation_events (kind, subject, seq);
    CREATE INDEX revocation_events_exp ON revocation_events (expires_at);
    -- What was revoked before the feed existed, so the first snapshot is complete. Tokens of ended
    -- tasks are covered by their task; an agent resumed within the longest token lifetime (24 h)
    -- keeps its cutoff.
    INSERT INTO revocation_events (kind, subject, at, expires_at, cause, status)
      SELECT kind, subject, at, expires_at, cause, status FROM (
        SELECT 'task' AS kind, id AS subject, COALESCE(ended_at, created_at) AS at, expires_at, 'task.' || CASE status WHEN 'ended' THEN 'end' ELSE 'expire' END AS cause, NULL AS status
          FROM tasks WHERE status IN ('ended', 'expired')
        UNION ALL
        SELECT 'token', t.jti, t.revoked_at, t.expires_at, 'token.revoke', NULL
          FROM task_tokens t JOIN tasks k ON k.id = t.task_id WHERE t.revoked_at IS NOT NULL AND k.status = 'active'
        UNION ALL
        SELECT 'agent', spiffe_id, updated_at, CASE status WHEN 'active' THEN updated_at + 86400000 ELSE NULL END, 'agent.' || CASE status WHEN 'active' THEN 'resume' WHEN 'suspended' THEN 'suspend' ELSE 'retire' END, status
          FROM agents WHERE status <> 'active' OR updated_at > created_at
        UNION ALL
        SELECT 'grant', id, COALESCE(revoked_at, created_at), expires_at, 'grant.revoke', NULL
          FROM grants WHERE status = 'revoked'
      ) ORDER BY at, subject;
    -- An approval can be revoked (pending or approved -> revoked): SQLite cannot change a CHECK, so the table is rebuilt.
    CREATE TABLE approvals_v7 (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      task_id TEXT NOT NULL,
      target TEXT NOT NULL,
      arguments_digest TEXT NOT NULL,
      policy_set_version TEXT NOT NULL,
      decision_id TEXT NOT NULL,
      reasons TEXT NOT NULL,
      audience TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'used', 'expired', 'revoked')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      decided_at INTEGER,
      decided_by TEXT,
      used_at INTEGER,
      note TEXT
    );
    INSERT INTO approvals_v7 SELECT id, agent, task_id, target, arguments_digest, policy_set_version, decision_id, reasons, audience, status, created_at, expires_at, decided_at, decided_by, used_at, note FROM approvals;
    DROP TABLE approvals;
    ALTER TABLE approvals_v7 RENAME TO approvals;
    CREATE INDEX approvals_binding ON approvals (agent, task_id, target, arguments_digest, status);
    CREATE INDEX approvals_status ON approvals (status, created_at);
  `,
};
