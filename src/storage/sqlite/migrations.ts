/**
 * Versioned, forward-only migrations. Never edit a released migration: add the next one.
 * Each runs in its own transaction and records its version in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'identity foundation',
    sql: `
      CREATE TABLE agents (
        name TEXT PRIMARY KEY,
        spiffe_id TEXT NOT NULL UNIQUE,
        owner TEXT NOT NULL,
        purpose TEXT NOT NULL,
        labels TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'retired')),
        max_task_ttl_seconds INTEGER NOT NULL,
        max_delegation_depth INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE join_tokens (
        hash TEXT PRIMARY KEY,
        agent_name TEXT NOT NULL REFERENCES agents(name),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        alg TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired')),
        public_jwk TEXT NOT NULL,
        sealed_private_key TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        activated_at INTEGER,
        retired_at INTEGER,
        publish_until INTEGER
      );
      CREATE TABLE cas (
        id TEXT PRIMARY KEY,
        cert_pem TEXT NOT NULL,
        chain_pems TEXT NOT NULL,
        root_pems TEXT NOT NULL,
        sealed_private_key TEXT NOT NULL,
        not_before INTEGER NOT NULL,
        not_after INTEGER NOT NULL,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        audience TEXT NOT NULL,
        signer TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX credentials_signer_exp ON credentials (signer, expires_at);
      CREATE INDEX credentials_exp ON credentials (expires_at);
      CREATE TABLE trusted_issuers (
        issuer TEXT PRIMARY KEY,
        jwks_uri TEXT,
        jwks TEXT,
        audience TEXT NOT NULL,
        rules TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        request_id TEXT,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_events_time ON audit_events (time);
      CREATE TABLE audit_checkpoints (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        time INTEGER NOT NULL,
        signature TEXT NOT NULL
      );
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
];

migrations.push({
  version: 2,
  name: 'tasks, task tokens, delegation, federation',
  sql: `
    ALTER TABLE agents ADD COLUMN allowed_scopes TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE agents ADD COLUMN require_dpop INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE tasks (
      id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      subject TEXT NOT NULL,
      purpose TEXT NOT NULL,
      scopes TEXT NOT NULL,
      authorization_details TEXT NOT NULL,
      audience TEXT NOT NULL,
      grant_id TEXT,
      status TEXT NOT NULL CHECK (status IN ('active', 'ended', 'expired')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      ended_at INTEGER,
      ended_by TEXT,
      root_jti TEXT NOT NULL
    );
    CREATE INDEX tasks_agent ON tasks (agent, created_at);
    CREATE INDEX tasks_active_exp ON tasks (status, expires_at);
    CREATE TABLE task_tokens (
      jti TEXT PRIMARY KEY,
      task_id TEXT NOT NULL REFERENCES tasks(id),
      parent_jti TEXT,
      ancestors TEXT NOT NULL,
      depth INTEGER NOT NULL,
      subject TEXT NOT NULL,
      holder TEXT NOT NULL,
      client_id TEXT NOT NULL,
      scopes TEXT NOT NULL,
      audience TEXT NOT NULL,
      cnf_jkt TEXT,
      issued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER,
      revoked_by TEXT
    );
    CREATE INDEX task_tokens_task ON task_tokens (task_id);
    CREATE INDEX task_tokens_revoked ON task_tokens (revoked_at, expires_at);
    -- Edges of the delegation tree (ancestor → descendant), so a subtree is one indexed lookup.
    CREATE TABLE task_token_ancestors (
      ancestor TEXT NOT NULL,
      jti TEXT NOT NULL,
      PRIMARY KEY (ancestor, jti)
    );
    CREATE TABLE replay_cache (
      key TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    );
    CREATE INDEX replay_cache_exp ON replay_cache (expires_at);
    CREATE TABLE trust_rules (
      id TEXT PRIMARY KEY,
      from_pattern TEXT NOT NULL,
      to_pattern TEXT NOT NULL,
      max_depth INTEGER,
      cross_domain INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE grants (
      id TEXT PRIMARY KEY,
      human TEXT NOT NULL,
      agent TEXT NOT NULL,
      scopes TEXT NOT NULL,
      purpose TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'expired')),
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER
    );
    CREATE INDEX grants_agent ON grants (agent);
    CREATE TABLE federated_domains (
      trust_domain TEXT PRIMARY KEY,
      bundle_endpoint TEXT,
      bundle TEXT NOT NULL,
      refreshed_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL
    );
  `,
});

migrations.push({
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
});

migrations.push({
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
});

migrations.push({
  version: 5,
  name: 'secrets',
  sql: `
    CREATE TABLE secrets (
      id TEXT PRIMARY KEY,
      description TEXT NOT NULL,
      type TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
      current_version INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      updated_by TEXT NOT NULL
    );
    -- Envelope encryption: each version has its own data key, wrapped by the master key's KEK.
    CREATE TABLE secret_versions (
      secret_id TEXT NOT NULL REFERENCES secrets(id),
      version INTEGER NOT NULL,
      wrapped_key TEXT NOT NULL,
      ciphertext TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      PRIMARY KEY (secret_id, version)
    );
  `,
});

migrations.push({
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
});

migrations.push({
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

migrations.push({
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

migrations.push({
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

migrations.push({
  version: 10,
  name: 'ssf stream receiver tokens',
  sql: `
    -- SHA-256 (hex) of each stream's receiver token: it lets the receiver poll and read that stream
    -- only. Streams created before this migration have none (the admin token only).
    ALTER TABLE ssf_streams ADD COLUMN receiver_token_sha256 TEXT;
  `,
});

migrations.push({
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
