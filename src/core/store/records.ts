import type { AuditAction } from '../audit-actions.js';

/**
 * The persisted shape of every aggregate. Plain data: no methods, no SQL. Times are epoch
 * milliseconds. These are the ports' vocabulary: domains read and write them through the
 * repository interfaces in ./index.ts, and each storage dialect maps them to its tables.
 */

export type AgentStatus = 'active' | 'suspended' | 'retired';

export interface AgentLimits {
  /** Longest task token this agent may hold, in seconds. */
  maxTaskTtlSeconds: number;
  /** Deepest delegation chain this agent may take part in. */
  maxDelegationDepth: number;
}

export interface AgentRecord {
  name: string;
  spiffeId: string;
  owner: string;
  purpose: string;
  labels: Record<string, string>;
  status: AgentStatus;
  limits: AgentLimits;
  /** Scopes (tools) this agent's tasks may be granted; `*` suffix for a prefix wildcard. */
  allowedScopes: string[];
  /** When true, task tokens for this agent must be DPoP-bound (RFC 9449). */
  requireDpop: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface JoinTokenRecord {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  hash: string;
  agentName: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export type KeyPurpose = 'jwt-svid' | 'token';
/** `next`: published, not signing yet. `active`: signs. `retired`: published until `publishUntil`. */
export type KeyState = 'next' | 'active' | 'retired';

export interface SigningKeyRecord {
  kid: string;
  purpose: KeyPurpose;
  alg: string;
  state: KeyState;
  publicJwk: Record<string, unknown>;
  /** The private key, encrypted (see identity/keys/encryption.ts). */
  sealedPrivateKey: string;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
  /** For retired keys: when the last token it signed expires; it leaves the JWKS after this. */
  publishUntil: number | null;
}

export interface CaRecord {
  id: string;
  /** The CA certificate (PEM) that signs SVIDs. */
  certPem: string;
  /** Certificates above it up to (not including) the trust anchor, PEM, nearest first. */
  chainPems: string[];
  /** The trust anchors published in the bundle (the CA itself when self-signed). */
  rootPems: string[];
  sealedPrivateKey: string;
  notBefore: number;
  notAfter: number;
  state: 'active' | 'retired';
  createdAt: number;
}

export type CredentialKind = 'jwt-svid' | 'x509-svid' | 'task-token';

/** A credential Mandate issued; kept for inventory, key retirement and revocation. */
export interface CredentialRecord {
  id: string;
  kind: CredentialKind;
  subject: string;
  audience: string[];
  /** Signing key id (JWT) or CA id (X.509). */
  signer: string;
  issuedAt: number;
  expiresAt: number;
}

export interface ClaimRule {
  /** Claim path (dot-separated) → required value. All must match. */
  match: Record<string, string | number | boolean>;
  /** The agent the matching tokens attest as. */
  agent: string;
}

export interface TrustedIssuerRecord {
  issuer: string;
  /** Exactly one of jwksUri / jwks is set. */
  jwksUri: string | null;
  jwks: { keys: Record<string, unknown>[] } | null;
  /** The audience an attestation JWT must carry. */
  audience: string;
  rules: ClaimRule[];
  createdAt: number;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** What a caller supplies to append an event. */
export interface AuditEventInput {
  actor: string;
  action: AuditAction;
  target: string;
  outcome: AuditOutcome;
  requestId: string | null;
  details?: Record<string, unknown>;
  /** Epoch ms; the store fills it from its clock when absent. */
  time?: number;
}

/** A stored, chained audit event. `hash` covers every other field (see audit/chain.ts). */
export interface AuditEventRecord {
  seq: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  outcome: AuditOutcome;
  requestId: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditCheckpointRecord {
  seq: number;
  hash: string;
  time: number;
  /** Compact JWS over {seq, hash, time, trust_domain}, signed by a trust-domain key. */
  signature: string;
}

export type TaskStatus = 'active' | 'ended' | 'expired';

/** A unit of work: owns its token tree and, later, its session state. */
export interface TaskRecord {
  id: string;
  /** The agent that started it (SPIFFE ID). */
  agent: string;
  /** `sub` of its tokens: the agent, or the human for on-behalf-of tasks. */
  subject: string;
  purpose: string;
  scopes: string[];
  authorizationDetails: Record<string, unknown>[];
  audience: string[];
  grantId: string | null;
  status: TaskStatus;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  endedBy: string | null;
  /** jti of the task's root token. */
  rootJti: string;
}

/** One issued task token (a node of a task's delegation tree). */
export interface TaskTokenRecord {
  jti: string;
  taskId: string;
  parentJti: string | null;
  /** jtis of every ancestor, root first. */
  ancestors: string[];
  depth: number;
  subject: string;
  /** The agent holding this token (the current actor, or the subject at the root). */
  holder: string;
  clientId: string;
  scopes: string[];
  audience: string[];
  cnfJkt: string | null;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revokedBy: string | null;
}

/** A trust rule: who may delegate to whom (see delegation/trust-rules.ts). */
export interface TrustRuleRecord {
  id: string;
  from: string;
  to: string;
  maxDepth: number | null;
  crossDomain: boolean;
  createdAt: number;
}

export type GrantStatus = 'active' | 'revoked' | 'expired';

/** A human's delegation to an agent (on-behalf-of). Created by an admin until the approval flow lands. */
export interface GrantRecord {
  id: string;
  /** The human (an identifier from the organisation's identity provider, e.g. an email). */
  human: string;
  /** The agent's SPIFFE ID. */
  agent: string;
  scopes: string[];
  purpose: string;
  status: GrantStatus;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** Another trust domain whose JWT-SVIDs Mandate accepts (SPIFFE federation). */
export interface FederatedDomainRecord {
  trustDomain: string;
  /** SPIFFE bundle endpoint to poll, or null for a static bundle. */
  bundleEndpoint: string | null;
  /** The current bundle (JWKS with spiffe_sequence/refresh_hint). */
  bundle: {
    keys: Record<string, unknown>[];
    spiffe_sequence?: number;
    spiffe_refresh_hint?: number;
  };
  refreshedAt: number;
  createdAt: number;
}

export type PolicySetStatus = 'active' | 'inactive';

/** A versioned set of Cedar policy files; at most one is `active` (see policy/policy-store.ts). */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'used' | 'expired' | 'revoked';

/**
 * A request for a human's explicit yes to exactly one call: bound to the agent, the task, the
 * target (tool id, or `resource:`/`prompt:` scope), the RFC 8785 digest of the arguments and the
 * policy-set version that asked for it. Single use, expiring.
 */
export interface ApprovalRecord {
  id: string;
  agent: string;
  taskId: string;
  target: string;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of the call's arguments. */
  argumentsDigest: string;
  policySetVersion: string;
  decisionId: string;
  /** The approval policies that asked for it. */
  reasons: string[];
  /** The resource the call was made to (the enforcement point's audience): status polls must present a task token for it. */
  audience: string;
  status: ApprovalStatus;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  usedAt: number | null;
  /** What the approver said, if anything. */
  note: string | null;
}

/** What the tool catalog knows of one MCP server: its last `tools/list` and the operator's annotations. */
export interface ToolServerRecord {
  server: string;
  /** The server's tool definitions, as `tools/list` gave them (validated by the catalog). */
  tools: unknown[];
  /** Operator annotations by tool name. */
  annotations: Record<string, unknown>;
  updatedAt: number;
  updatedBy: string;
}

export interface PolicySetRecord {
  /** 1, 2, 3, … in creation order. */
  version: number;
  files: { name: string; text: string }[];
  /** SHA-256 (hex) of the canonical JSON of `files`. */
  digest: string;
  createdAt: number;
  createdBy: string;
  /** When it last became active; null if it never has. */
  activatedAt: number | null;
  status: PolicySetStatus;
}

export type SecretStatus = 'active' | 'disabled' | 'deleted';

/**
 * A brokered secret's metadata (see broker/secret-store.ts). The value lives only in its
 * versions, encrypted; nothing here is secret.
 */
export interface SecretRecord {
  id: string;
  description: string;
  /** An operator's label for what the value is (`api_key`, `basic_auth`, `oauth_client_secret`, …). */
  type: string;
  status: SecretStatus;
  /** The version the broker uses; versions are 1, 2, 3, … and never reused, even after a delete. */
  currentVersion: number;
  createdAt: number;
  createdBy: string;
  /** The last change (rotation, disable, enable, delete). */
  updatedAt: number;
  updatedBy: string;
}

/** One version of a secret's value under envelope encryption (broker/envelope.ts). */
export interface SecretVersionRecord {
  secretId: string;
  version: number;
  /** The version's data key, wrapped (AES-256-GCM) by the key-encryption key derived from the master key. */
  wrappedKey: string;
  /** The value, AES-256-GCM under the data key; AAD binds it to secret id and version. */
  ciphertext: string;
  createdAt: number;
  createdBy: string;
}

export type GrantRequestStatus = 'pending' | 'approved' | 'denied' | 'expired';

/**
 * An agent's request to act for a human (see delegation/grant-requests.ts): pending until the
 * human approves it (possibly narrowed) or denies it, or until it expires. An approved request's
 * grant carries the request's id.
 */
export interface GrantRequestRecord {
  id: string;
  /** The requesting agent's SPIFFE ID. */
  agent: string;
  /** The human asked: the owner of the resources. */
  human: string;
  scopes: string[];
  purpose: string;
  /** How long the grant would last from its approval, in seconds. */
  durationSeconds: number;
  status: GrantRequestStatus;
  createdAt: number;
  /** Unanswered until then, the request expires. */
  expiresAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
  /** What the human said, if anything. */
  note: string | null;
}

/** A signed-in human's server-side session: the cookie holds a random id, the store only its hash. */
export interface HumanSessionRecord {
  /** SHA-256 (hex) of the session id. */
  idHash: string;
  /** The human's id (the configured claim of their ID token), or `admin` for the local sign-in. */
  human: string;
  /** Their groups at sign-in (the configured groups claim). */
  groups: string[];
  method: 'oidc' | 'local';
  createdAt: number;
  expiresAt: number;
}
