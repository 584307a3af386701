import { DpopKey } from '../protocol/dpop/proof.js';
import type { DelegateInput, StartTaskInput, TaskToken, ToolAccessDetail } from './agent-types.js';
import { apiError, MandateAgentError, MandateApiError } from './errors.js';
import {
  requestDecision,
  ToolCallDeniedError,
  type AuthorizeInput,
  type Decision,
} from './self-authorize.js';
import { createTaskFetch, type DpopSigner, type TaskFetchOptions } from './task-fetch.js';

export type { DelegateInput, StartTaskInput, TaskToken, ToolAccessDetail } from './agent-types.js';
export type { AuthorizeInput, Decision } from './self-authorize.js';
export type { TaskFetchOptions } from './task-fetch.js';

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/** draft-ietf-oauth-spiffe-client-auth-02 §3.1. */
const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';
/** An SVID this close to expiry is not sent: it could expire on the way. */
const EXPIRY_MARGIN_MS = 5_000;

export interface MandateAgentOptions {
  /** Base URL of the Mandate server, e.g. http://127.0.0.1:8080. */
  url: string;
  fetch?: typeof fetch;
  /** Generate an ES256 key and send DPoP proofs (RFC 9449): task tokens come back bound to it. */
  dpop?: boolean;
}

/** How an agent instance proves what it is: a one-time join token, or a JWT from a trusted issuer. */
export type AgentEvidence = { joinToken: string } | { attestationJwt: string };

interface Svid {
  token: string;
  expiresAt: number;
}
interface Metadata {
  issuer: string;
  token_endpoint: string;
}
interface SvidJson {
  token: string;
  expires_at: string;
}

type Form = Record<string, string | string[] | undefined>;

/**
 * The agent side of Mandate in one object: attest, start tasks, delegate, end tasks, revoke.
 *
 * It keeps one current JWT-SVID. Client assertions are single use, so each call that needs
 * one first renews the current SVID at `POST /v1/svid/jwt` (spending it) for two fresh ones:
 * one to spend now, one to keep. Renewals run one at a time, so concurrent calls never spend
 * the same SVID twice. An SVID lives a few minutes: an agent idle for longer attests again.
 *
 * @example
 * ```ts
 * const agent = new MandateAgent({ url: 'http://127.0.0.1:8080', dpop: true });
 * await agent.attest({ joinToken: process.env.MANDATE_JOIN_TOKEN! });
 * const task = await agent.startTask({ resource: 'https://gateway.example.org', scope: ['tool:github/read'], purpose: 'triage issues' });
 * // … call tools with task.accessToken …
 * await agent.endTask(task);
 * ```
 */
export class MandateAgent {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly dpopKey: Promise<DpopKey> | undefined;
  private metadata: Promise<Metadata> | undefined;
  private current: Svid | undefined;
  private identity: string | undefined;
  // INVARIANT: every renewal chains on this promise, so `current` is spent by one call at a time.
  private renewals: Promise<unknown> = Promise.resolve();
  private nonce: string | undefined;
  /** DPoP nonces resource servers gave this agent's task requests, by origin. */
  private readonly resourceNonces = new Map<string, string>();

  constructor(options: MandateAgentOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.dpopKey = options.dpop ? DpopKey.generate() : undefined;
    // A failed key generation surfaces on the first call that needs the key.
    this.dpopKey?.catch(() => undefined);
  }

  /** This agent's SPIFFE ID once attested. */
  get spiffeId(): string | undefined {
    return this.identity;
  }

  /** The RFC 7638 thumbprint of this agent's DPoP key, for a delegator's `dpopJkt`; undefined without DPoP. */
  async dpopJkt(): Promise<string | undefined> {
    return (await this.dpopKey)?.jkt;
  }

  /** Attests this instance and keeps the JWT-SVID (audience = the server's issuer) it gets. */
  async attest(evidence: AgentEvidence): Promise<{ spiffeId: string }> {
    const { issuer } = await this.discover();
    const proof =
      'joinToken' in evidence
        ? { join_token: evidence.joinToken }
        : { attestation_jwt: evidence.attestationJwt };
    const res = await this.send('POST', '/v1/attest', {
      json: { ...proof, jwt_svid: { audience: issuer } },
    });
    const body = (await res.json()) as { spiffe_id: string; jwt_svid?: SvidJson };
    if (!body.jwt_svid)
      throw new MandateAgentError(
        'bad_response',
        'the server answered the attestation without a jwt-svid',
      );
    this.current = svid(body.jwt_svid);
    this.identity = body.spiffe_id;
    return { spiffeId: body.spiffe_id };
  }

  /** Starts a task (RFC 8693 token exchange, subject_token = this agent's own JWT-SVID). */
  async startTask(input: StartTaskInput): Promise<TaskToken> {
    const assertion = await this.assertion();
    return this.exchange(assertion, {
      subject_token: assertion,
      subject_token_type: TOKEN_TYPE_JWT,
      resource: list(input.resource),
      scope: input.scope?.join(' '),
      authorization_details: input.authorizationDetails
        ? JSON.stringify(input.authorizationDetails)
        : undefined,
      purpose: input.purpose,
      expires_in: input.ttlSeconds?.toString(),
    });
  }

  /**
   * Hands a narrower part of `parent` to another agent (RFC 8693: actor_token = the delegate's
   * JWT-SVID, which must name this agent: the delegate's `delegationSvidFor(thisAgent.spiffeId)`).
   */
  async delegate(parent: TaskToken | string, input: DelegateInput): Promise<TaskToken> {
    const assertion = await this.assertion();
    return this.exchange(assertion, {
      subject_token: typeof parent === 'string' ? parent : parent.accessToken,
      subject_token_type: TOKEN_TYPE_ACCESS_TOKEN,
      actor_token: input.delegateSvid,
      actor_token_type: TOKEN_TYPE_JWT,
      resource: input.resource === undefined ? undefined : list(input.resource),
      scope: input.scope?.join(' '),
      expires_in: input.ttlSeconds?.toString(),
      dpop_jkt: input.dpopJkt,
    });
  }

  /** Ends one of this agent's tasks: every token issued under it is revoked. */
  async endTask(task: TaskToken): Promise<void> {
    const path = `/v1/tasks/${encodeURIComponent(task.taskId)}/end`;
    if (task.tokenType === 'DPoP') {
      if (!this.dpopKey)
        throw new MandateAgentError(
          'no_dpop_key',
          'this task token is dpop-bound; only a MandateAgent with `dpop: true` that holds its key can use it',
        );
      const { issuer } = await this.discover();
      await this.send('POST', path, {
        authorization: `DPoP ${task.accessToken}`,
        proof: { htu: `${issuer}${path}`, accessToken: task.accessToken },
      });
    } else {
      await this.send('POST', path, { authorization: `Bearer ${task.accessToken}` });
    }
  }

  /**
   * A `fetch` that presents `task`'s token on every request: Bearer, or DPoP with a fresh proof
   * (`ath`, the server's nonce, one retry on `use_dpop_nonce`). It is the MCP client transport
   * wrapper: the MCP SDK's transports take a `fetch` option.
   *
   * @example
   * import { Client } from '@modelcontextprotocol/sdk/client/index.js';
   * import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
   * const task = await agent.startTask({ resource: 'https://gateway.example.org/mcp', scope: ['tool:github/read'] });
   * const client = new Client({ name: 'triage', version: '1.0.0' });
   * await client.connect(new StreamableHTTPClientTransport(new URL('https://gateway.example.org/mcp'), { fetch: agent.taskFetch(task) }));
   */
  taskFetch(task: TaskToken, options: TaskFetchOptions = {}): typeof fetch {
    return createTaskFetch(
      task,
      { signer: this.signer(), nonces: this.resourceNonces },
      { fetch: options.fetch ?? this.fetchImpl },
    );
  }

  /**
   * The options for an MCP SDK client transport that carries `task`'s token.
   *
   * @example
   * const transport = new StreamableHTTPClientTransport(new URL(gatewayUrl), agent.mcpTransportOptions(task));
   */
  mcpTransportOptions(task: TaskToken, options: TaskFetchOptions = {}): { fetch: typeof fetch } {
    return { fetch: this.taskFetch(task, options) };
  }

  /**
   * Asks Mandate whether this agent may make one tool call now (`POST /v1/authorize/self`, the
   * task token as the credential), for tools that run in the agent's own process. Never throws
   * for a deny: see `authorize` for that. The task must have been started with `resource` =
   * the server's issuer URL.
   *
   * @example
   * const d = await agent.decide({ task, tool: 'crm/lookup', arguments: { email } });
   * if (d.decision !== 'allow') console.error(d.reasons);
   */
  async decide(input: AuthorizeInput): Promise<Decision> {
    const { issuer } = await this.discover();
    const path = '/v1/authorize/self';
    const send = createTaskFetch(
      input.task,
      { signer: this.signer(), nonces: this.resourceNonces, htu: () => `${issuer}${path}` },
      { fetch: this.fetchImpl },
    );
    return requestDecision(send, `${this.base}${path}`, input);
  }

  /**
   * Like `decide`, but resolves only when the call is allowed; a deny or `approval_required`
   * throws `ToolCallDeniedError` carrying the decision, so a tool can just await it first.
   *
   * @example
   * async function lookup(args: { email: string }) {
   *   await agent.authorize({ task, tool: 'crm/lookup', arguments: args });
   *   return crm.find(args.email);
   * }
   */
  async authorize(input: AuthorizeInput): Promise<Decision> {
    const decision = await this.decide(input);
    if (decision.decision !== 'allow') throw new ToolCallDeniedError(input.tool, decision);
    return decision;
  }

  /**
   * Wraps a local tool function so that every call is authorized first with its arguments
   * (`authorize`); extra parameters (an AI SDK `execute`'s options) pass through.
   *
   * @example
   * const lookup = agent.guard(task, 'crm/lookup', async (args: { email: string }) => crm.find(args.email));
   * await lookup({ email: 'a@example.org' }); // throws ToolCallDeniedError when denied
   */
  guard<A extends Record<string, unknown>, Rest extends unknown[], R>(
    task: TaskToken,
    tool: string,
    fn: (args: A, ...rest: Rest) => R | Promise<R>,
  ): (args: A, ...rest: Rest) => Promise<R> {
    return async (args, ...rest) => {
      await this.authorize({ task, tool, arguments: args });
      return fn(args, ...rest);
    };
  }

  /** Revokes a token this agent holds or issued, and every token delegated from it (RFC 7009). */
  async revoke(token: TaskToken | string): Promise<void> {
    const assertion = await this.assertion();
    await this.send('POST', '/oauth/revoke', {
      form: {
        token: typeof token === 'string' ? token : token.accessToken,
        token_type_hint: 'access_token',
        client_assertion_type: JWT_SPIFFE,
        client_assertion: assertion,
      },
    });
  }

  /**
   * A fresh JWT-SVID of this agent for `audience`. To be delegated to, hand the delegator an
   * SVID for `[issuer, delegatorSpiffeId]` (see `delegationSvidFor`): when the parent token's
   * holder delegates, the server requires the delegator among the actor token's audiences, and
   * such an SVID cannot serve as this agent's client assertion (that needs the issuer as its only
   * audience). An SVID for the issuer alone is an actor token only when this agent asks for the
   * delegation itself.
   */
  svidFor(audience: string | string[]): Promise<string> {
    return this.renew(list(audience));
  }

  /**
   * A fresh JWT-SVID of this agent for `[issuer, delegator]`: what `delegator` (a SPIFFE ID)
   * passes as `delegateSvid` to delegate a task token it holds to this agent.
   */
  async delegationSvidFor(delegator: string): Promise<string> {
    const { issuer } = await this.discover();
    return this.renew([issuer, delegator]);
  }

  private signer(): DpopSigner | undefined {
    const key = this.dpopKey;
    return key && { proof: async (htm, htu, opts) => (await key).proof(htm, htu, opts) };
  }

  /** One single-use client assertion (aud = the issuer), from a renewal. */
  private async assertion(): Promise<string> {
    const { issuer } = await this.discover();
    return this.renew([issuer]);
  }

  /** Spends the current SVID for one with `audience` and the next current one; one at a time. */
  private renew(audience: string[]): Promise<string> {
    const run = this.renewals.then(async () => {
      const current = this.usableSvid();
      try {
        const res = await this.send('POST', '/v1/svid/jwt', {
          form: {
            client_assertion_type: JWT_SPIFFE,
            client_assertion: current.token,
            audience,
            next: 'true',
          },
        });
        const body = (await res.json()) as { jwt_svid: SvidJson; next_jwt_svid?: SvidJson };
        if (!body.next_jwt_svid)
          throw new MandateAgentError(
            'bad_response',
            'the server renewed the jwt-svid without `next_jwt_svid`; it is older than this sdk',
          );
        this.current = svid(body.next_jwt_svid);
        return body.jwt_svid.token;
      } catch (err) {
        // The server refused the SVID (spent elsewhere, agent suspended): it is of no further use.
        if (
          err instanceof MandateApiError &&
          err.code === 'invalid_client' &&
          this.current === current
        )
          this.current = undefined;
        throw err;
      }
    });
    this.renewals = run.catch(() => undefined);
    return run;
  }

  private usableSvid(): Svid {
    const current = this.current;
    if (!current) {
      throw this.identity
        ? new MandateAgentError(
            'svid_spent',
            `agent \`${this.identity}\` has no usable jwt-svid left (the server refused the last one); attest again`,
          )
        : new MandateAgentError(
            'not_attested',
            'this agent has not attested yet: call attest() first',
          );
    }
    if (current.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) {
      throw new MandateAgentError(
        'svid_expired',
        `the jwt-svid of \`${this.identity ?? 'this agent'}\` expired at ${new Date(current.expiresAt).toISOString()}; attest again`,
      );
    }
    return current;
  }

  /** POST /oauth/token with a token-exchange grant, and a DPoP proof when this agent has a key. */
  private async exchange(assertion: string, params: Form): Promise<TaskToken> {
    const { token_endpoint } = await this.discover();
    const res = await this.send('POST', '/oauth/token', {
      form: {
        grant_type: TOKEN_EXCHANGE_GRANT,
        requested_token_type: TOKEN_TYPE_ACCESS_TOKEN,
        ...params,
        client_assertion_type: JWT_SPIFFE,
        client_assertion: assertion,
      },
      ...(this.dpopKey ? { proof: { htu: token_endpoint } } : {}),
    });
    const body = (await res.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
      scope?: string;
      task_id: string;
      authorization_details?: ToolAccessDetail[];
    };
    return {
      accessToken: body.access_token,
      tokenType: body.token_type.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer',
      expiresAt: new Date(Date.now() + body.expires_in * 1000),
      scope: (body.scope ?? '').split(' ').filter(Boolean),
      taskId: body.task_id,
      ...(body.authorization_details ? { authorizationDetails: body.authorization_details } : {}),
    };
  }

  /** The server's RFC 8414 metadata, fetched once (again only after a failure). */
  private discover(): Promise<Metadata> {
    this.metadata ??= this.send('GET', '/.well-known/oauth-authorization-server', {})
      .then((res) => res.json() as Promise<Metadata>)
      .catch((err: unknown) => {
        this.metadata = undefined;
        throw err;
      });
    return this.metadata;
  }

  /**
   * One request. With `proof`, a DPoP proof goes along; when the server asks for a nonce
   * (`use_dpop_nonce` and a DPoP-Nonce header, RFC 9449 §8–9) it is retried once with it.
   */
  private async send(
    method: string,
    path: string,
    opts: {
      form?: Form;
      json?: unknown;
      authorization?: string;
      proof?: { htu: string; accessToken?: string };
    },
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (opts.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = formBody(opts.form);
    } else if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    if (opts.authorization) headers.authorization = opts.authorization;
    for (let attempt = 0; ; attempt++) {
      const key = opts.proof ? await this.dpopKey : undefined;
      if (key && opts.proof)
        headers.dpop = await key.proof(method, opts.proof.htu, {
          accessToken: opts.proof.accessToken,
          nonce: this.nonce,
        });
      let res: Response;
      try {
        res = await this.fetchImpl(`${this.base}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
        });
      } catch (cause) {
        throw new Error(
          `cannot reach the Mandate server at ${this.base}: ${(cause as Error).message}`,
          { cause },
        );
      }
      const nonce = res.headers.get('dpop-nonce');
      if (nonce) this.nonce = nonce;
      if (res.ok) return res;
      const err = await apiError(res);
      if (key && attempt === 0 && err.code === 'use_dpop_nonce' && nonce) continue;
      throw err;
    }
  }
}

function svid(json: SvidJson): Svid {
  return { token: json.token, expiresAt: Date.parse(json.expires_at) };
}

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function formBody(form: Form): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) {
    for (const item of v === undefined ? [] : Array.isArray(v) ? v : [v]) params.append(k, item);
  }
  return params.toString();
}
