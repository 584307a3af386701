import type {
  AgentRecord,
  AgentStatus,
  AuditCheckpointRecord,
  AuditEventInput,
  AuditEventRecord,
  CaRecord,
  CredentialRecord,
  FederatedDomainRecord,
  GrantRecord,
  TaskRecord,
  TaskTokenRecord,
  TrustRuleRecord,
  JoinTokenRecord,
  KeyPurpose,
  SigningKeyRecord,
  TrustedIssuerRecord,
  PolicySetRecord,
  ToolServerRecord,
  ApprovalRecord,
  ApprovalStatus,
  SecretRecord,
  SecretVersionRecord,
  GrantRequestRecord,
  GrantRequestStatus,
  HumanSessionRecord,
} from './records.js';
import type {
  RevocationEventInput,
  RevocationEventRecord,
  SignalRecord,
  SsfStreamRecord,
} from './feed-records.js';
import type { OAuthClientRecord, RegistrationTokenRecord } from './client-records.js';
import type { RetentionWriter } from './retention.js';
import type { TaskSessionReader, TaskSessionWriter } from './session-records.js';

export type * from './records.js';
export type * from './feed-records.js';
export type * from './retention.js';
export { PRUNABLE_KINDS } from './retention.js';
export type * from './session-records.js';
export type * from './client-records.js';

/**
 * The storage port. One repository per aggregate; every method is async so that a network
 * database implements the same interface. SQL lives only under src/storage/<dialect>/.
 *
 * Writes happen inside `transaction`, which also appends the audit events of that change:
 * a state change and its event commit together or not at all.
 */
export interface Store {
  readonly dialect: string;
  /** Reads outside a transaction see the last committed state. */
  readonly read: StoreReader;
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreReader {
  agents: AgentReader;
  joinTokens: JoinTokenReader;
  keys: KeyReader;
  cas: CaReader;
  credentials: CredentialReader;
  issuers: IssuerReader;
  audit: AuditReader;
  meta: MetaReader;
  tasks: TaskReader;
  tokens: TaskTokenReader;
  trustRules: TrustRuleReader;
  grants: GrantReader;
  federation: FederationReader;
  policySets: PolicySetReader;
  toolServers: ToolServerReader;
  approvals: ApprovalReader;
  secrets: SecretReader;
  revocations: RevocationEventReader;
  grantRequests: GrantRequestReader;
  humanSessions: HumanSessionReader;
  ssfStreams: SsfStreamReader;
  signals: SignalReader;
  taskSessions: TaskSessionReader;
  oauthClients: OAuthClientReader;
  registrationTokens: RegistrationTokenReader;
}

export interface StoreTx {
  agents: AgentReader & AgentWriter;
  joinTokens: JoinTokenReader & JoinTokenWriter;
  keys: KeyReader & KeyWriter;
  cas: CaReader & CaWriter;
  credentials: CredentialReader & CredentialWriter;
  issuers: IssuerReader & IssuerWriter;
  audit: AuditReader & AuditWriter;
  meta: MetaReader & MetaWriter;
  tasks: TaskReader & TaskWriter;
  tokens: TaskTokenReader & TaskTokenWriter;
  replay: ReplayWriter;
  trustRules: TrustRuleReader & TrustRuleWriter;
  grants: GrantReader & GrantWriter;
  federation: FederationReader & FederationWriter;
  policySets: PolicySetReader & PolicySetWriter;
  toolServers: ToolServerReader & ToolServerWriter;
  approvals: ApprovalReader & ApprovalWriter;
  secrets: SecretReader & SecretWriter;
  revocations: RevocationEventReader & RevocationEventWriter;
  grantRequests: GrantRequestReader & GrantRequestWriter;
  humanSessions: HumanSessionReader & HumanSessionWriter;
  ssfStreams: SsfStreamReader & SsfStreamWriter;
  signals: SignalReader & SignalWriter;
  taskSessions: TaskSessionReader & TaskSessionWriter;
  oauthClients: OAuthClientReader & OAuthClientWriter;
  registrationTokens: RegistrationTokenReader & RegistrationTokenWriter;
  /** Deletes what is over and past its retention (docs/operations.md). */
  retention: RetentionWriter;
}

export interface AgentListFilter {
  status?: AgentStatus;
  owner?: string;
}

export interface AgentReader {
  get(name: string): Promise<AgentRecord | undefined>;
  getBySpiffeId(spiffeId: string): Promise<AgentRecord | undefined>;
  list(filter?: AgentListFilter): Promise<AgentRecord[]>;
}
export interface AgentWriter {
  /** Throws `conflict` when the name or SPIFFE ID exists. */
  insert(agent: AgentRecord): Promise<void>;
  update(agent: AgentRecord): Promise<void>;
}

export interface JoinTokenReader {
  get(hash: string): Promise<JoinTokenRecord | undefined>;
}
export interface JoinTokenWriter {
  insert(token: JoinTokenRecord): Promise<void>;
  /**
   * Marks an unused, unexpired token used, atomically. Returns the token when this call
   * consumed it, undefined when it was unknown, used or expired.
   */
  consume(hash: string, now: number): Promise<JoinTokenRecord | undefined>;
  /** Deletes tokens that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}

export interface KeyReader {
  list(purpose?: KeyPurpose): Promise<SigningKeyRecord[]>;
  get(kid: string): Promise<SigningKeyRecord | undefined>;
}
export interface KeyWriter {
  insert(key: SigningKeyRecord): Promise<void>;
  update(key: SigningKeyRecord): Promise<void>;
  delete(kid: string): Promise<void>;
}

export interface CaReader {
  list(): Promise<CaRecord[]>;
}
export interface CaWriter {
  insert(ca: CaRecord): Promise<void>;
  update(ca: CaRecord): Promise<void>;
}

export interface CredentialReader {
  /** The latest `expiresAt` among credentials signed by `signer`, or undefined. */
  lastExpiry(signer: string): Promise<number | undefined>;
  count(kind?: CredentialRecord['kind']): Promise<number>;
}
export interface CredentialWriter {
  insert(credential: CredentialRecord): Promise<void>;
  deleteExpired(before: number): Promise<number>;
}

export interface IssuerReader {
  get(issuer: string): Promise<TrustedIssuerRecord | undefined>;
  list(): Promise<TrustedIssuerRecord[]>;
}
export interface IssuerWriter {
  upsert(issuer: TrustedIssuerRecord): Promise<void>;
  delete(issuer: string): Promise<boolean>;
}

export interface AuditReader {
  /** Events with seq > afterSeq (and time >= sinceTime when given), in seq order. */
  list(opts?: {
    afterSeq?: number;
    sinceTime?: number;
    limit?: number;
  }): Promise<AuditEventRecord[]>;
  head(): Promise<AuditEventRecord | undefined>;
  checkpoints(): Promise<AuditCheckpointRecord[]>;
}
export interface AuditWriter {
  /** Appends one event to the hash chain in this transaction; returns it as stored. */
  append(event: AuditEventInput): Promise<AuditEventRecord>;
  addCheckpoint(checkpoint: AuditCheckpointRecord): Promise<void>;
}

export interface MetaReader {
  get(key: string): Promise<string | undefined>;
}
export interface MetaWriter {
  set(key: string, value: string): Promise<void>;
}

export interface TaskReader {
  get(id: string): Promise<TaskRecord | undefined>;
  list(filter?: {
    agent?: string;
    status?: TaskRecord['status'];
    limit?: number;
  }): Promise<TaskRecord[]>;
  /** Active tasks whose expiry has passed. */
  listExpired(now: number, limit: number): Promise<TaskRecord[]>;
}
export interface TaskWriter {
  insert(task: TaskRecord): Promise<void>;
  /** Marks an active task ended or expired; returns false when it was not active. */
  finish(id: string, status: 'ended' | 'expired', at: number, by: string): Promise<boolean>;
}

export interface TaskTokenReader {
  get(jti: string): Promise<TaskTokenRecord | undefined>;
  listByTask(taskId: string): Promise<TaskTokenRecord[]>;
  /** Revoked tokens that have not expired yet (to load the in-memory revocation set). */
  listRevokedUnexpired(now: number): Promise<TaskTokenRecord[]>;
}
export interface TaskTokenWriter {
  insert(token: TaskTokenRecord): Promise<void>;
  /** Revokes a token and every descendant (tokens whose ancestors include it); returns the jtis newly revoked. */
  revokeSubtree(jti: string, at: number, by: string): Promise<string[]>;
  /** Revokes every token of a task; returns the jtis newly revoked. */
  revokeTask(taskId: string, at: number, by: string): Promise<string[]>;
}

export interface ReplayWriter {
  /** Records `key` until `expiresAt`; false when it is already recorded and unexpired (a replay). */
  checkAndRecord(key: string, expiresAt: number, now: number): Promise<boolean>;
  deleteExpired(now: number): Promise<number>;
}

export interface TrustRuleReader {
  list(): Promise<TrustRuleRecord[]>;
}
export interface TrustRuleWriter {
  insert(rule: TrustRuleRecord): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export interface GrantReader {
  get(id: string): Promise<GrantRecord | undefined>;
  list(filter?: {
    human?: string;
    agent?: string;
    status?: GrantRecord['status'];
  }): Promise<GrantRecord[]>;
}
export interface GrantWriter {
  insert(grant: GrantRecord): Promise<void>;
  update(grant: GrantRecord): Promise<void>;
}

export interface FederationReader {
  get(trustDomain: string): Promise<FederatedDomainRecord | undefined>;
  list(): Promise<FederatedDomainRecord[]>;
}
export interface FederationWriter {
  upsert(domain: FederatedDomainRecord): Promise<void>;
  delete(trustDomain: string): Promise<boolean>;
}

export interface PolicySetReader {
  get(version: number): Promise<PolicySetRecord | undefined>;
  /** Every version, oldest first. */
  list(): Promise<PolicySetRecord[]>;
  active(): Promise<PolicySetRecord | undefined>;
  /** The highest version stored, 0 when none. */
  latestVersion(): Promise<number>;
}
export interface PolicySetWriter {
  /** Throws `conflict` when the version exists. */
  insert(set: PolicySetRecord): Promise<void>;
  /** Makes `version` the only active set (the previous one becomes inactive); false when it does not exist. */
  setActive(version: number, at: number): Promise<boolean>;
}

export interface SecretReader {
  /** Deleted secrets too (their metadata stays so that version numbers are never reused). */
  get(id: string): Promise<SecretRecord | undefined>;
  /** By id; deleted secrets only when asked. */
  list(filter?: { includeDeleted?: boolean }): Promise<SecretRecord[]>;
  getVersion(id: string, version: number): Promise<SecretVersionRecord | undefined>;
  /** The versions still stored, oldest first. */
  listVersions(id: string): Promise<SecretVersionRecord[]>;
}
export interface SecretWriter {
  /** Inserts or replaces the metadata row. */
  upsert(secret: SecretRecord): Promise<void>;
  /** Throws `conflict` when that version exists. */
  insertVersion(version: SecretVersionRecord): Promise<void>;
  /** Destroys every stored version of a secret (the ciphertexts); returns how many. */
  deleteVersions(id: string): Promise<number>;
}

export interface ToolServerReader {
  get(server: string): Promise<ToolServerRecord | undefined>;
  /** Every server, sorted by name. */
  list(): Promise<ToolServerRecord[]>;
}
export interface ToolServerWriter {
  upsert(record: ToolServerRecord): Promise<void>;
  delete(server: string): Promise<boolean>;
}

export interface ApprovalReader {
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** Newest first. */
  list(filter?: {
    status?: ApprovalStatus;
    agent?: string;
    taskId?: string;
    limit?: number;
  }): Promise<ApprovalRecord[]>;
  /** Approvals of `status` bound to exactly this call, newest first. */
  findBound(
    binding: { agent: string; taskId: string; target: string; argumentsDigest: string },
    status: ApprovalStatus,
  ): Promise<ApprovalRecord[]>;
}
export interface ApprovalWriter {
  insert(approval: ApprovalRecord): Promise<void>;
  /**
   * Moves an approval from `from` to `to.status` with the given fields, only if it is still in
   * `from`; false otherwise (so single use holds under concurrency).
   */
  transition(
    id: string,
    from: ApprovalStatus,
    to: Pick<ApprovalRecord, 'status'> &
      Partial<Pick<ApprovalRecord, 'decidedAt' | 'decidedBy' | 'usedAt' | 'note'>>,
  ): Promise<boolean>;
}

export interface GrantRequestReader {
  get(id: string): Promise<GrantRequestRecord | undefined>;
  /** Newest first. */
  list(filter?: {
    human?: string;
    agent?: string;
    status?: GrantRequestStatus;
    limit?: number;
  }): Promise<GrantRequestRecord[]>;
}
export interface GrantRequestWriter {
  insert(request: GrantRequestRecord): Promise<void>;
  /** Moves a request from `from` to `to.status` with the given fields, only if it is still in `from`; false otherwise. */
  transition(
    id: string,
    from: GrantRequestStatus,
    to: Pick<GrantRequestRecord, 'status'> &
      Partial<Pick<GrantRequestRecord, 'decidedAt' | 'decidedBy' | 'note'>>,
  ): Promise<boolean>;
}

export interface HumanSessionReader {
  get(idHash: string): Promise<HumanSessionRecord | undefined>;
}
export interface HumanSessionWriter {
  insert(session: HumanSessionRecord): Promise<void>;
  /** True when it existed. */
  delete(idHash: string): Promise<boolean>;
  /** Deletes sessions that expired at or before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

export interface RevocationEventReader {
  /** Events with seq > afterSeq, in seq order, at most `limit` (default 10000). */
  list(opts?: { afterSeq?: number; limit?: number }): Promise<RevocationEventRecord[]>;
  /** The highest seq ever assigned, compacted rows included; 0 when none. */
  head(): Promise<number>;
}
export interface RevocationEventWriter {
  /** Appends an event in this transaction; returns it with its seq. */
  append(event: RevocationEventInput): Promise<RevocationEventRecord>;
  /**
   * Deletes events that no longer revoke anything at `now`: agent events a later event of the
   * same agent supersedes, then every event whose `expiresAt` has passed. Returns how many.
   */
  compact(now: number): Promise<number>;
}

export interface SsfStreamReader {
  get(id: string): Promise<SsfStreamRecord | undefined>;
  /** Oldest first. */
  list(): Promise<SsfStreamRecord[]>;
}
export interface SsfStreamWriter {
  insert(stream: SsfStreamRecord): Promise<void>;
  update(stream: SsfStreamRecord): Promise<void>;
  /** True when it existed. */
  delete(id: string): Promise<boolean>;
}

export interface SignalReader {
  /** The newest `limit` stored signals, expired ones too (they stay until `deleteExpired`), oldest first. */
  listRecent(limit: number): Promise<SignalRecord[]>;
  /**
   * What a restart puts back, oldest first: one signal per task or agent, risk and responses (the
   * one that expires last; repeats add nothing in force), at most `limit`, those still live at
   * `now` and carrying a risk or a response first, then the higher risk. Expired ones come after
   * (a restart tells their fall). So no flood of newer or weaker signals crowds out one in force.
   */
  listForRestore(now: number, limit: number): Promise<SignalRecord[]>;
}
export interface SignalWriter {
  insert(signal: SignalRecord): Promise<void>;
  /** Deletes the signals expired by `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

export interface OAuthClientReader {
  get(clientId: string): Promise<OAuthClientRecord | undefined>;
  /** By the id of its SPIFFE ID (`spiffe://<td>/client/<id>`). */
  getById(id: string): Promise<OAuthClientRecord | undefined>;
  /** Oldest first. */
  list(filter?: {
    status?: OAuthClientRecord['status'];
    owner?: string;
    kind?: OAuthClientRecord['kind'];
  }): Promise<OAuthClientRecord[]>;
}
export interface OAuthClientWriter {
  /** Throws `conflict` when the client_id or the id exists. */
  insert(client: OAuthClientRecord): Promise<void>;
  /** Replaces everything but the client_id, id, kind and creation time. */
  update(client: OAuthClientRecord): Promise<void>;
  /**
   * Deletes at most `limit` registered clients nobody has consented to (no owner), created
   * before `before`, oldest first; returns how many.
   */
  deleteUnclaimed(before: number, limit: number): Promise<number>;
}

export interface RegistrationTokenReader {
  get(hash: string): Promise<RegistrationTokenRecord | undefined>;
}
export interface RegistrationTokenWriter {
  insert(token: RegistrationTokenRecord): Promise<void>;
  /**
   * Takes one use of a token that is unexpired at `now` and has uses left, atomically; returns
   * the token as it is after, or undefined when it was unknown, expired or used up.
   */
  consume(hash: string, now: number): Promise<RegistrationTokenRecord | undefined>;
  /** Deletes tokens that expired before `before`; returns how many. */
  deleteExpired(before: number): Promise<number>;
}
