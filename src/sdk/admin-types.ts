/** What the admin API answers and takes, as `MandateAdminClient` types it (snake_case, as on the wire). */

export interface Agent {
  name: string;
  spiffe_id: string;
  owner: string;
  purpose: string;
  labels: Record<string, string>;
  status: 'active' | 'suspended' | 'retired';
  limits: { max_task_ttl_seconds: number; max_delegation_depth: number };
  allowed_scopes: string[];
  require_dpop: boolean;
  created_at: string;
  updated_at: string;
}

export interface RegisterAgentInput {
  name: string;
  owner: string;
  purpose: string;
  labels?: Record<string, string>;
  /** Scopes (tools) the agent's tasks may be granted, e.g. `tool:github/*`. */
  allowed_scopes?: string[];
  require_dpop?: boolean;
  limits?: { max_task_ttl_seconds?: number; max_delegation_depth?: number };
}

export interface SigningKey {
  kid: string;
  purpose: 'jwt-svid' | 'token';
  alg: string;
  state: 'next' | 'active' | 'retired';
  published: boolean;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  publish_until: string | null;
}

export interface AuditVerifyResult {
  ok: boolean;
  events_checked: number;
  checkpoints_checked: number;
  first_bad_seq: number | null;
  reason: string | null;
  unsealed_events: number;
}

export interface TrustedIssuer {
  issuer: string;
  jwks_uri?: string | null;
  jwks?: { keys: Record<string, unknown>[] } | null;
  audience: string;
  rules: { match: Record<string, string | number | boolean>; agent: string }[];
}

/** A task as `GET /v1/tasks` lists it. */
export interface Task {
  id: string;
  /** The SPIFFE ID of the agent that started it. */
  agent: string;
  /** Whom it acts for: the agent itself, or a human (on-behalf-of). */
  subject: string;
  purpose: string;
  scopes: string[];
  authorization_details: Record<string, unknown>[];
  audience: string[];
  grant_id: string | null;
  status: 'active' | 'ended' | 'expired';
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  ended_by: string | null;
}

/** One token issued under a task; `parent` links form the delegation tree. */
export interface TaskTokenInfo {
  jti: string;
  parent: string | null;
  depth: number;
  /** The SPIFFE ID of the agent the token was issued to. */
  holder: string;
  client_id: string;
  scopes: string[];
  audience: string[];
  dpop_bound: boolean;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface TaskDetail extends Task {
  tokens: TaskTokenInfo[];
}

/** Agents matching `from` may delegate to agents matching `to` (SPIFFE IDs, `…/*` prefixes or `*`). */
export interface TrustRule {
  id: string;
  from: string;
  to: string;
  max_depth: number | null;
  cross_domain: boolean;
  created_at: string;
}

/** A human's delegation to an agent, for on-behalf-of tasks. */
export interface Grant {
  id: string;
  human: string;
  /** The agent's SPIFFE ID. */
  agent: string;
  scopes: string[];
  purpose: string;
  status: 'active' | 'revoked' | 'expired';
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

/** A per-call approval: exactly one call (agent, task, tool, argument digest) waiting for, or given, a human's answer. */
export interface Approval {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'used' | 'expired' | 'revoked';
  agent: string;
  task_id: string;
  target: string;
  arguments_digest: string;
  policy_set_version: string;
  decision_id: string;
  reasons: string[];
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  used_at: string | null;
  note: string | null;
}

/** An agent's request for a human's grant; once approved, the grant has the same id. */
export interface GrantRequest {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  agent: string;
  human: string;
  scopes: string[];
  purpose: string;
  duration_seconds: number;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  note: string | null;
}

export interface CreateGrantInput {
  human: string;
  /** Agent name or SPIFFE ID. */
  agent: string;
  scopes: string[];
  purpose: string;
  /** Lifetime in seconds. */
  ttl: number;
}

/** A policy-set version as `GET /v1/policies` lists it. */
export interface PolicySet {
  version: number;
  status: 'active' | 'inactive';
  digest: string;
  files: string[];
  created_at: string;
  created_by: string;
  activated_at: string | null;
}

export interface PolicyFile {
  name: string;
  text: string;
}

/** A parse or validation problem in a policy file. */
export interface PolicyError {
  file: string;
  line?: number;
  column?: number;
  policy?: string;
  message: string;
  help?: string;
}

export interface PolicyDiff {
  from: number;
  to: number;
  files: { name: string; status: 'added' | 'removed' | 'changed'; diff: string }[];
  policies: { added: string[]; removed: string[]; changed: string[] };
}

export type DecisionOutcome = 'allow' | 'deny' | 'approval_required';

/** `POST /v1/policies/replay`: the recorded decisions a candidate set would change. */
export interface PolicyReplay {
  since: string;
  total: number;
  changed: {
    decision_id: string;
    time: string;
    before: DecisionOutcome;
    after: DecisionOutcome;
    reasons_before: string[];
    reasons_after: string[];
  }[];
}

/** A broker secret's metadata; the API never returns a value. */
export interface Secret {
  id: string;
  description: string;
  type: string;
  status: 'active' | 'disabled';
  /** The version the broker uses. */
  version: number;
  versions: { version: number; created_at: string; created_by: string }[];
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface PutSecretInput {
  /** The value (write-only); an object is stored as its JSON text (e.g. `{ username, password }` for basic auth). */
  value: string | Record<string, string>;
  description?: string;
  /** A label such as `api_key`, `basic_auth`, `oauth_client_secret`. */
  type?: string;
}
