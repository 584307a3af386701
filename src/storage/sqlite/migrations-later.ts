import type { Migration } from './migrations.js';

/**
 * Migrations 7 onward (see ./migrations.ts for the rules: forward-only, never edited once
 * released): the revocation feed, grant requests and human sessions, SSF streams and their
 * receiver tokens, risk signals.
 */
export const laterMigrations: Migration[] = [];

laterMigrations.push({
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
});

laterMigrations.push({
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
});

laterMigrations.push({
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
});

laterMigrations.push({
  version: 10,
  name: 'ssf stream receiver tokens',
  sql: `
    -- SHA-256 (hex) of each stream's receiver token: it lets the receiver poll and read that stream
    -- only. Streams created before this migration have none (the admin token only).
    ALTER TABLE ssf_streams ADD COLUMN receiver_token_sha256 TEXT;
  `,
});

laterMigrations.push({
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
});

laterMigrations.push({
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
});
