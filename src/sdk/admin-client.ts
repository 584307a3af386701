import { Http, type HttpOptions } from './http.js';

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

/**
 * The admin API of a Mandate server, as the CLI and dashboard use it.
 *
 * @example
 * const admin = new MandateAdminClient({ url: 'http://127.0.0.1:8080', token: process.env.MANDATE_ADMIN_TOKEN! });
 * await admin.registerAgent({ name: 'billing-bot', owner: 'alice@example.org', purpose: 'reconcile invoices' });
 */
export class MandateAdminClient {
  private readonly http: Http;

  constructor(options: HttpOptions & { token: string }) {
    this.http = new Http(options, { authorization: `Bearer ${options.token}` });
  }

  registerAgent(input: RegisterAgentInput): Promise<Agent> {
    return this.http.json('POST', '/v1/agents', input);
  }
  async listAgents(filter: { status?: string; owner?: string } = {}): Promise<Agent[]> {
    const q = new URLSearchParams(Object.entries(filter).filter(([, v]) => v !== undefined) as [string, string][]).toString();
    return (await this.http.json<{ agents: Agent[] }>('GET', `/v1/agents${q ? `?${q}` : ''}`)).agents;
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
  createJoinToken(agent: string, ttlSeconds?: number): Promise<{ join_token: string; agent: string; expires_at: string }> {
    return this.http.json('POST', `/v1/agents/${encodeURIComponent(agent)}/join-tokens`, ttlSeconds ? { ttl: ttlSeconds } : {});
  }
  putTrustedIssuer(issuer: TrustedIssuer): Promise<TrustedIssuer> {
    return this.http.json('POST', '/v1/trusted-issuers', issuer);
  }
  async listTrustedIssuers(): Promise<TrustedIssuer[]> {
    return (await this.http.json<{ issuers: TrustedIssuer[] }>('GET', '/v1/trusted-issuers')).issuers;
  }
  async deleteTrustedIssuer(issuer: string): Promise<void> {
    await this.http.json('DELETE', `/v1/trusted-issuers?issuer=${encodeURIComponent(issuer)}`);
  }
  async listKeys(): Promise<SigningKey[]> {
    return (await this.http.json<{ keys: SigningKey[] }>('GET', '/v1/keys')).keys;
  }
  async rotateKeys(purpose?: 'jwt-svid' | 'token'): Promise<{ purpose: string; activated: string; retired: string | null; next: string }[]> {
    return (await this.http.json<{ rotated: { purpose: string; activated: string; retired: string | null; next: string }[] }>('POST', '/v1/keys/rotate', purpose ? { purpose } : {})).rotated;
  }
  verifyAudit(): Promise<AuditVerifyResult> {
    return this.http.json('POST', '/v1/audit/verify');
  }
  checkpointAudit(): Promise<{ seq: number | null }> {
    return this.http.json('POST', '/v1/audit/checkpoint');
  }
  /** Audit events as JSON Lines, streamed. */
  async exportAudit(opts: { since?: string; afterSeq?: number } = {}): Promise<ReadableStream<Uint8Array>> {
    const q = new URLSearchParams();
    if (opts.since) q.set('since', opts.since);
    if (opts.afterSeq !== undefined) q.set('after_seq', String(opts.afterSeq));
    const res = await this.http.request('GET', `/v1/audit/events${q.size ? `?${q}` : ''}`);
    if (!res.body) throw new Error('the server sent no body');
    return res.body as ReadableStream<Uint8Array>;
  }
}
