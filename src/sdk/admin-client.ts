import { ClientsAdmin } from './admin-clients.js';
import { EventsAdmin } from './admin-events.js';
import { SignalsAdmin } from './admin-signals.js';
import { SsfAdmin } from './admin-ssf.js';
import { ToolsAdmin } from './admin-tools.js';
import { Http, type HttpOptions } from './http.js';
import type {
  Agent,
  Approval,
  AuditVerifyResult,
  CreateGrantInput,
  Grant,
  GrantRequest,
  PolicyDiff,
  PolicyError,
  PolicyFile,
  PolicyReplay,
  PolicySet,
  PutSecretInput,
  RegisterAgentInput,
  Secret,
  SigningKey,
  Task,
  TaskDetail,
  TrustRule,
  TrustedIssuer,
} from './admin-types.js';

export type * from './admin-types.js';

/**
 * The admin API of a Mandate server, as the CLI and dashboard use it.
 *
 * @example
 * const admin = new MandateAdminClient({ url: 'http://127.0.0.1:8080', token: process.env.MANDATE_ADMIN_TOKEN! });
 * await admin.registerAgent({ name: 'billing-bot', owner: 'alice@example.org', purpose: 'reconcile invoices' });
 */
export class MandateAdminClient {
  private readonly http: Http;
  /** Risk signals: send one, list the live ones (docs/signals.md). */
  readonly signals: SignalsAdmin;
  /** The Shared Signals transmitter's streams (docs/ssf.md). */
  readonly ssf: SsfAdmin;
  /** The revocation feed, watched as it happens (docs/revocation.md). */
  readonly events: EventsAdmin;
  /** The authorization server's OAuth clients: MCP hosts (docs/clients.md). */
  readonly clients: ClientsAdmin;
  /** The tool catalog: list, annotate, review a trusted upstream's hints (docs/policy.md). */
  readonly tools: ToolsAdmin;

  constructor(options: HttpOptions & { token: string }) {
    this.http = new Http(options, { authorization: `Bearer ${options.token}` });
    this.signals = new SignalsAdmin(this.http);
    this.ssf = new SsfAdmin(this.http);
    this.events = new EventsAdmin(options);
    this.clients = new ClientsAdmin(this.http);
    this.tools = new ToolsAdmin(this.http);
  }

  registerAgent(input: RegisterAgentInput): Promise<Agent> {
    return this.http.json('POST', '/v1/agents', input);
  }
  async listAgents(filter: { status?: string; owner?: string } = {}): Promise<Agent[]> {
    const q = new URLSearchParams(
      Object.entries(filter).filter(([, v]) => v !== undefined) as [string, string][],
    ).toString();
    return (await this.http.json<{ agents: Agent[] }>('GET', `/v1/agents${q ? `?${q}` : ''}`))
      .agents;
  }
  getAgent(name: string): Promise<Agent> {
    return this.http.json('GET', `/v1/agents/${encodeURIComponent(name)}`);
  }
  suspendAgent(name: string): Promise<Agent> {
    return this.http.json('POST', `/v1/agents/${encodeURIComponent(name)}/suspend`);
  }
  resumeAgent(name: string): Promise<Agent> {
    return this.http.json('POST', `/v1/agents/${encodeURIComponent(name)}/resume`);
  }
  retireAgent(name: string): Promise<Agent> {
    return this.http.json('POST', `/v1/agents/${encodeURIComponent(name)}/retire`);
  }
  createJoinToken(
    agent: string,
    ttlSeconds?: number,
  ): Promise<{ join_token: string; agent: string; expires_at: string }> {
    return this.http.json(
      'POST',
      `/v1/agents/${encodeURIComponent(agent)}/join-tokens`,
      ttlSeconds ? { ttl: ttlSeconds } : {},
    );
  }
  putTrustedIssuer(issuer: TrustedIssuer): Promise<TrustedIssuer> {
    return this.http.json('POST', '/v1/trusted-issuers', issuer);
  }
  async listTrustedIssuers(): Promise<TrustedIssuer[]> {
    return (await this.http.json<{ issuers: TrustedIssuer[] }>('GET', '/v1/trusted-issuers'))
      .issuers;
  }
  async deleteTrustedIssuer(issuer: string): Promise<void> {
    await this.http.json('DELETE', `/v1/trusted-issuers?issuer=${encodeURIComponent(issuer)}`);
  }
  async listKeys(): Promise<SigningKey[]> {
    return (await this.http.json<{ keys: SigningKey[] }>('GET', '/v1/keys')).keys;
  }
  async rotateKeys(
    purpose?: 'jwt-svid' | 'token',
  ): Promise<{ purpose: string; activated: string; retired: string | null; next: string }[]> {
    return (
      await this.http.json<{
        rotated: { purpose: string; activated: string; retired: string | null; next: string }[];
      }>('POST', '/v1/keys/rotate', purpose ? { purpose } : {})
    ).rotated;
  }
  /** Takes a leaked signing key out of service: it leaves the JWKS and every token it signed is revoked. */
  revokeKey(kid: string): Promise<{
    kid: string;
    purpose: SigningKey['purpose'];
    state: SigningKey['state'];
    published: false;
    revoked_at: string;
  }> {
    return this.http.json('POST', `/v1/keys/${encodeURIComponent(kid)}/revoke`);
  }
  async listTasks(
    filter: { agent?: string; status?: Task['status']; limit?: number } = {},
  ): Promise<Task[]> {
    return (await this.http.json<{ tasks: Task[] }>('GET', `/v1/tasks${query(filter)}`)).tasks;
  }
  /** A task with every token issued under it. */
  getTask(id: string): Promise<TaskDetail> {
    return this.http.json('GET', `/v1/tasks/${encodeURIComponent(id)}`);
  }
  /** Ends any task: every token issued under it is revoked. */
  endTask(id: string): Promise<Task> {
    return this.http.json('POST', `/v1/tasks/${encodeURIComponent(id)}/end`);
  }
  addTrustRule(rule: {
    from: string;
    to: string;
    max_depth?: number;
    cross_domain?: boolean;
  }): Promise<TrustRule> {
    return this.http.json('POST', '/v1/trust-rules', rule);
  }
  async listTrustRules(): Promise<TrustRule[]> {
    return (await this.http.json<{ rules: TrustRule[] }>('GET', '/v1/trust-rules')).rules;
  }
  async removeTrustRule(id: string): Promise<void> {
    await this.http.json('DELETE', `/v1/trust-rules/${encodeURIComponent(id)}`);
  }
  createGrant(input: CreateGrantInput): Promise<Grant> {
    return this.http.json('POST', '/v1/grants', input);
  }
  async listGrants(filter: { human?: string; agent?: string } = {}): Promise<Grant[]> {
    return (await this.http.json<{ grants: Grant[] }>('GET', `/v1/grants${query(filter)}`)).grants;
  }
  revokeGrant(id: string): Promise<Grant> {
    return this.http.json('POST', `/v1/grants/${encodeURIComponent(id)}/revoke`);
  }
  /** Narrows a grant (scopes to a subset, `ttl` seconds from now at most its expiry); every task under it ends. */
  narrowGrant(
    id: string,
    change: { scopes?: string[]; ttl?: number },
  ): Promise<{ grant: Grant; ended_tasks: string[] }> {
    return this.http.json('POST', `/v1/grants/${encodeURIComponent(id)}/narrow`, change);
  }
  async listGrantRequests(
    filter: {
      status?: GrantRequest['status'];
      human?: string;
      agent?: string;
      limit?: number;
    } = {},
  ): Promise<GrantRequest[]> {
    return (
      await this.http.json<{ grant_requests: GrantRequest[] }>(
        'GET',
        `/v1/grant-requests${query(filter)}`,
      )
    ).grant_requests;
  }
  /** Approves a grant request as asked, or narrowed (`scopes` a subset, `ttl` at most the asked duration). */
  approveGrantRequest(
    id: string,
    answer: { scopes?: string[]; ttl?: number; note?: string } = {},
  ): Promise<{
    request: GrantRequest;
    grant: Pick<Grant, 'id' | 'status' | 'scopes' | 'expires_at' | 'human' | 'agent' | 'purpose'>;
  }> {
    return this.http.json('POST', `/v1/grant-requests/${encodeURIComponent(id)}/approve`, answer);
  }
  denyGrantRequest(id: string, note?: string): Promise<GrantRequest> {
    return this.http.json(
      'POST',
      `/v1/grant-requests/${encodeURIComponent(id)}/deny`,
      note ? { note } : {},
    );
  }
  async listApprovals(
    filter: { status?: Approval['status']; agent?: string; task?: string; limit?: number } = {},
  ): Promise<Approval[]> {
    return (await this.http.json<{ approvals: Approval[] }>('GET', `/v1/approvals${query(filter)}`))
      .approvals;
  }
  getApproval(id: string): Promise<Approval> {
    return this.http.json('GET', `/v1/approvals/${encodeURIComponent(id)}`);
  }
  /** Approves one pending call: the identical call may then succeed once. */
  approveApproval(id: string, note?: string): Promise<Approval> {
    return this.http.json(
      'POST',
      `/v1/approvals/${encodeURIComponent(id)}/approve`,
      note ? { note } : {},
    );
  }
  denyApproval(id: string, note?: string): Promise<Approval> {
    return this.http.json(
      'POST',
      `/v1/approvals/${encodeURIComponent(id)}/deny`,
      note ? { note } : {},
    );
  }
  /** Validates policy files on the server without storing them. */
  validatePolicies(files: PolicyFile[]): Promise<{ valid: boolean; errors: PolicyError[] }> {
    return this.http.json('POST', '/v1/policies/validate', { files });
  }
  /** Stores policy files as a new (inactive) policy-set version. */
  createPolicySet(files: PolicyFile[]): Promise<PolicySet> {
    return this.http.json('POST', '/v1/policies', { files });
  }
  listPolicySets(): Promise<{ active: number; policy_sets: PolicySet[] }> {
    return this.http.json('GET', '/v1/policies');
  }
  getPolicySet(version: number): Promise<Omit<PolicySet, 'files'> & { files: PolicyFile[] }> {
    return this.http.json('GET', `/v1/policies/${version}`);
  }
  activatePolicySet(version: number): Promise<PolicySet> {
    return this.http.json('POST', `/v1/policies/${version}/activate`);
  }
  /** Activates the version before the active one. */
  rollbackPolicySet(): Promise<PolicySet> {
    return this.http.json('POST', '/v1/policies/rollback');
  }
  /** Re-decides the decisions recorded since `since` (ISO 8601 or a duration such as `24h`) with candidate files. */
  replayPolicies(files: PolicyFile[], since: string): Promise<PolicyReplay> {
    return this.http.json('POST', '/v1/policies/replay', { files, since });
  }
  /** From one version to another; version 0 is the default pack. */
  diffPolicySets(from: number, to: number): Promise<PolicyDiff> {
    return this.http.json('GET', `/v1/policies/diff${query({ from, to })}`);
  }
  /** Creates a secret (version 1) or rotates it (the next version); answers with metadata only. */
  putSecret(id: string, input: PutSecretInput): Promise<Secret> {
    return this.http.json('PUT', `/v1/secrets/${encodeURIComponent(id)}`, input);
  }
  async listSecrets(): Promise<Secret[]> {
    return (await this.http.json<{ secrets: Secret[] }>('GET', '/v1/secrets')).secrets;
  }
  getSecret(id: string): Promise<Secret> {
    return this.http.json('GET', `/v1/secrets/${encodeURIComponent(id)}`);
  }
  disableSecret(id: string): Promise<Secret> {
    return this.http.json('POST', `/v1/secrets/${encodeURIComponent(id)}/disable`);
  }
  enableSecret(id: string): Promise<Secret> {
    return this.http.json('POST', `/v1/secrets/${encodeURIComponent(id)}/enable`);
  }
  /** Destroys every stored version of a secret. */
  async deleteSecret(id: string): Promise<void> {
    await this.http.json('DELETE', `/v1/secrets/${encodeURIComponent(id)}`);
  }
  verifyAudit(): Promise<AuditVerifyResult> {
    return this.http.json('POST', '/v1/audit/verify');
  }
  checkpointAudit(): Promise<{ seq: number | null }> {
    return this.http.json('POST', '/v1/audit/checkpoint');
  }
  /** Audit events as JSON Lines, streamed. */
  async exportAudit(
    opts: { since?: string; afterSeq?: number } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const q = new URLSearchParams();
    if (opts.since) q.set('since', opts.since);
    if (opts.afterSeq !== undefined) q.set('after_seq', String(opts.afterSeq));
    const res = await this.http.request('GET', `/v1/audit/events${q.size ? `?${q}` : ''}`);
    if (!res.body) throw new Error('the server sent no body');
    return res.body as ReadableStream<Uint8Array>;
  }
}

function query(filter: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) q.set(k, String(v));
  return q.size ? `?${q}` : '';
}
