import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { canonicalDigest } from '../core/canonical-json.js';
import { newId } from '../core/random.js';
import type { AuditEventInput } from '../core/store/index.js';
import {
  emptySession,
  recordDecision,
  snapshot,
  type DecisionRecord,
  type SessionState,
} from '../session/session-state.js';
import { SessionStates } from '../session/session-states.js';
import { extractContext, uriDestinations } from './argument-extractors.js';
import { destinationRules, type DestinationRules } from './destinations/classify.js';
import type { DestinationResolver } from './destinations/resolve.js';
import type { Classification } from './classification.js';
import type { DecisionError, DecisionPoint, Outcome } from './decision-point.js';
import {
  chainFromToken,
  MAX_TARGET_LENGTH,
  promptScope,
  resourceScope,
  type AgentFacts,
  type DecisionRequest,
  type Destination,
  type RequestCommon,
  type SessionSnapshot,
  type TokenFacts,
  type ToolFacts,
  type UnknownTool,
} from './request.js';
import { guardRestrictions } from './restriction-guard.js';
import { parseToolId, type CatalogTool, type ToolCatalog } from './tool-catalog.js';

/**
 * The decision service: one tool call by the holder of a verified task token, decided by the
 * active decision point against the tool catalog and the task's session state, recorded in the
 * session and (when an audit sink is given) audited before the answer is returned. No HTTP here:
 * `POST /v1/authorize`, the AuthZEN endpoints and in-process callers all come through
 * `authorize`.
 */

/**
 * What the service needs of a verified task token. The SDK's `Principal` (src/sdk/token-verifier.ts)
 * has all of it; the domain names the fields rather than importing the SDK.
 */
export interface VerifiedTaskToken extends TokenFacts {
  taskId: string;
  scopes: readonly string[];
}

export interface AuthorizeInput {
  principal: VerifiedTaskToken;
  /** `<server>/<tool>`. */
  toolId: string;
  arguments?: Record<string, unknown>;
  /** A human approval bound to exactly this call is present. */
  approved?: boolean;
  now?: Date;
  /** Correlates the audit event with the HTTP request. */
  requestId?: string | null;
}

export interface AuthorizeResult {
  decisionId: string;
  outcome: Outcome;
  reasons: string[];
  errors: DecisionError[];
  policySetVersion: string;
  /** SHA-256 (hex) of the RFC 8785 canonical JSON of the decision request (`now` as ISO 8601). */
  inputsDigest: string;
}

export interface DecisionServiceOptions {
  catalog: ToolCatalog;
  /** The active decision point, asked on every call (so an activation takes effect at once). */
  decisionPoint: () => DecisionPoint;
  /** Names internal by themselves, with their subdomains (the trust domain; `internalDomains`): see destinations/classify.ts. */
  internalDomains: readonly string[];
  /** Internal hosts, `*.domain`s and CIDRs calls may reach (`allowedInternalDestinations`). Default none. */
  allowedInternalDestinations?: readonly string[];
  /**
   * Places every public name a call connects to by the addresses it resolves to
   * (`resolveDestinations`; destinations/resolve.ts). Default: none, names are classified by name alone.
   */
  resolveDestinations?: DestinationResolver;
  /**
   * This call's risk score, 0..100, as the risk detectors and signals see the task now
   * (`context.risk`; the default pack denies at 80). Default: 0, no signal.
   */
  risk?: (call: { agent: string; taskId: string; chain: readonly string[] }) => number;
  /**
   * The restrictions in force for this call (`context.restrictions`: `require_approval`,
   * `read_only`), from the responses to live signals (src/session/signal-service.ts). Default: none.
   */
  restrictions?: (call: {
    agent: string;
    taskId: string;
    chain: readonly string[];
  }) => readonly string[];
  /**
   * Called after each decision is recorded in the task's session and audited, with the task's new
   * session state (the built-in risk detectors run here). It cannot change the answer: it gets a
   * copy of the result, must not block, and whatever it throws is ignored.
   */
  onDecision?: (
    taskId: string,
    state: SessionState,
    result: AuthorizeResult,
    call: { agent: string; requestId: string | null },
  ) => void;
  /** The agent's registry facts (owner, labels, standing risk); default: none known. */
  agentFacts?: (spiffeId: string) => Promise<Partial<Omit<AgentFacts, 'id'>>>;
  /** Writes the `decision` audit event; resolves once it is durable. */
  audit?: (event: AuditEventInput) => Promise<unknown>;
  clock?: Clock;
  /** Tasks whose session state is kept in memory when no `sessions` is given; the least recently used is dropped beyond. Default 10,000. */
  maxSessions?: number;
  /** Where the tasks' session states live (memory and store, src/session/session-states.ts). Default: memory only, `maxSessions` of them. */
  sessions?: SessionStates;
  /** Shadow disagreements kept in memory; the oldest is dropped beyond. Default 1,000. */
  maxShadowDisagreements?: number;
}

/** Reading an MCP resource or getting a prompt, by the holder of a verified task token. */
export type ServerActionInput = {
  principal: VerifiedTaskToken;
  server: string;
  approved?: boolean;
  now?: Date;
  requestId?: string | null;
} & (
  | { action: 'read_resource'; uri: string; classification?: Classification }
  | { action: 'get_prompt'; name: string; arguments?: Record<string, unknown> }
);

/** At most one character over MAX_TARGET_LENGTH: still refused as too long, but small in the audit log. */
const capped = (s: string): string =>
  typeof s === 'string' && s.length > MAX_TARGET_LENGTH ? `${s.slice(0, MAX_TARGET_LENGTH)}…` : s;

const digestOf = (request: DecisionRequest): string =>
  canonicalDigest({ ...request, now: request.now.toISOString() });

/** A decision on which the shadow (candidate) set disagreed with the active one (issue 4, item 8). */
export interface ShadowDisagreement {
  decisionId: string;
  time: number;
  toolId: string;
  taskId: string;
  live: Outcome;
  shadow: Outcome;
  liveReasons: string[];
  shadowReasons: string[];
  liveVersion: string;
  shadowVersion: string;
}

const trustDomainOf = (spiffeId: string): string =>
  /^spiffe:\/\/([^/]+)/u.exec(spiffeId)?.[1] ?? '';

/** The camelCase snapshot `DecisionRequest.session` takes, from the session state's Cedar record. */
export function sessionSnapshotOf(state: SessionState): SessionSnapshot {
  const s = snapshot(state);
  return {
    toolsCalled: s.tools_called,
    highestClassification: s.highest_classification,
    externalDestinations: s.external_destinations,
    denials: s.denials,
    callCount: s.call_count,
  };
}

/** Catalog labels `{ k: v }` as Cedar's `Set<String>`: `k:v`, or `k` alone for an empty value. */
export function labelStrings(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}:${v}`));
}

function toolFacts(tool: CatalogTool | undefined, toolId: string): ToolFacts | UnknownTool {
  if (!tool) {
    const id = parseToolId(toolId);
    return {
      cataloged: false,
      name: toolId,
      server: id?.server ?? (toolId.split('/')[0] || 'unknown'),
    };
  }
  return {
    cataloged: true,
    name: tool.id,
    server: tool.server,
    scope: tool.scope,
    sideEffect: tool.sideEffect,
    classification: tool.classification,
    destinations: [...tool.destinations],
    labels: labelStrings(tool.labels),
  };
}

/** What the session records of a call's destinations: real hosts (not `*`, which names none). */
const recorded = (destinations: readonly Destination[]): Destination[] =>
  destinations.filter((d) => d.host !== '*');

export class DecisionService {
  readonly #opts: DecisionServiceOptions;
  readonly #clock: Clock;
  readonly #rules: DestinationRules;
  readonly #sessions: SessionStates;
  #shadow: DecisionPoint | null = null;
  #disagreements: ShadowDisagreement[] = [];

  constructor(opts: DecisionServiceOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#rules = destinationRules(opts.internalDomains, opts.allowedInternalDestinations);
    this.#sessions = opts.sessions ?? new SessionStates({ capacity: opts.maxSessions ?? 10_000 });
  }

  get catalog(): ToolCatalog {
    return this.#opts.catalog;
  }

  /** Decides one tool call, records it in the task's session and audits it. */
  async authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    const call = await this.#toolCall(input);
    return this.#decide(input, call.target, call.build, call.record);
  }

  /**
   * What `authorize` would answer for this call now, without recording it in the session or
   * the audit log (the gateway filters `tools/list` with it). No decision id.
   */
  async preview(input: AuthorizeInput): Promise<Omit<AuthorizeResult, 'decisionId'>> {
    const call = await this.#toolCall(input);
    const state =
      this.#sessions.get(input.principal.taskId) ??
      (await this.#sessions.load(input.principal.taskId));
    const request = call.build(sessionSnapshotOf(state));
    const decision = guardRestrictions(request, this.#opts.decisionPoint().authorize(request));
    return {
      outcome: decision.outcome,
      reasons: decision.reasons,
      errors: decision.errors,
      policySetVersion: decision.policySetVersion,
      inputsDigest: digestOf(request),
    };
  }

  /**
   * Decides reading an MCP resource (`read_resource`) or getting a prompt (`get_prompt`),
   * records it in the task's session (a resource taints it with its classification, default
   * `confidential`) and audits it. The session records it as `resource:<server>/<uri>` or
   * `prompt:<server>/<name>`.
   */
  async authorizeServerAction(input: ServerActionInput): Promise<AuthorizeResult> {
    const { principal } = input;
    const now = input.now ?? new Date(this.#clock.now());
    const base = await this.#requestBase(principal, now, input.approved === true);
    if (input.action === 'read_resource') {
      const classification = input.classification ?? 'confidential';
      // An over-long uri is refused by the decision point; only its start is kept for the audit log.
      const uri = capped(input.uri);
      const extracted = uriDestinations(uri, this.#rules);
      const { problems } = extracted;
      // An http(s) resource is fetched from its host: every host here is one the server connects to.
      const destinations =
        (await this.#opts.resolveDestinations?.place(
          extracted.destinations,
          extracted.destinations.map((d) => d.host),
          this.#rules,
        )) ?? extracted.destinations;
      const target = resourceScope(input.server, uri);
      return this.#decide(
        input,
        target,
        (session) => ({
          ...base,
          session,
          action: 'read_resource',
          resource: { server: input.server, uri, classification },
          arguments: {},
          destinations,
          ...(problems.length > 0 ? { problems } : {}),
        }),
        { destinations: recorded(destinations), classificationReturned: classification },
      );
    }
    const name = capped(input.name);
    const target = promptScope(input.server, name);
    const args = input.arguments ?? {};
    return this.#decide(
      input,
      target,
      (session) => ({
        ...base,
        session,
        action: 'get_prompt',
        prompt: { server: input.server, name },
        arguments: args,
        destination: null,
      }),
      { destinations: [] },
    );
  }

  async #requestBase(
    principal: VerifiedTaskToken,
    now: Date,
    approved: boolean,
  ): Promise<Omit<RequestCommon, 'session'>> {
    const facts = (await this.#opts.agentFacts?.(principal.actor)) ?? {};
    const agent: AgentFacts = {
      id: principal.actor,
      owner: facts.owner ?? '',
      labels: facts.labels ?? [],
      trustDomain: facts.trustDomain ?? trustDomainOf(principal.actor),
      risk: facts.risk ?? 0,
    };
    const chain = chainFromToken(principal);
    // Signals about any agent on the chain (and the `sub`) count: delegating never sheds a restriction.
    const call = {
      agent: principal.actor,
      taskId: principal.taskId,
      chain: [...new Set([...chain.actors, principal.subject])],
    };
    let raw: number;
    try {
      raw = this.#opts.risk?.(call) ?? 0;
    } catch {
      raw = Number.NaN; // a failing risk source must not make the call look safe
    }
    // A risk source that answers nonsense counts as the highest risk: fail closed.
    const risk = Number.isFinite(raw) ? Math.max(0, Math.min(100, Math.round(raw))) : 100;
    const restrictions = this.#opts.restrictions?.(call) ?? [];
    // Left out when none, so that requests (and their digests) without signals are as before.
    return {
      principal: { agent, chain },
      scopes: [...principal.scopes],
      now,
      risk,
      approved,
      ...(restrictions.length > 0 ? { restrictions: [...restrictions] } : {}),
    };
  }

  async #toolCall(input: AuthorizeInput): Promise<{
    target: string;
    build: (session: SessionSnapshot) => DecisionRequest;
    record: Pick<DecisionRecord, 'destinations' | 'classificationReturned'>;
  }> {
    const now = input.now ?? new Date(this.#clock.now());
    const base = await this.#requestBase(input.principal, now, input.approved === true);
    const catalogTool = this.#opts.catalog.get(input.toolId);
    const tool = toolFacts(catalogTool, input.toolId);
    const args = input.arguments ?? {};
    const extracted = catalogTool ? extractContext(catalogTool, args, this.#rules) : undefined;
    const found = extracted?.destinations ?? [];
    const destinations =
      extracted && this.#opts.resolveDestinations
        ? await this.#opts.resolveDestinations.place(found, extracted.connected, this.#rules)
        : found;
    // Left out when empty, so that requests (and their digests) without them are as before.
    const paths =
      extracted && Object.keys(extracted.paths).length > 0 ? { paths: extracted.paths } : {};
    const problems =
      extracted && extracted.problems.length > 0 ? { problems: extracted.problems } : {};
    return {
      target: input.toolId,
      build: (session) => ({
        ...base,
        session,
        action: 'call_tool',
        tool,
        arguments: args,
        destinations,
        ...paths,
        ...problems,
      }),
      record: {
        destinations: recorded(destinations),
        ...(tool.cataloged ? { classificationReturned: tool.classification } : {}),
      },
    };
  }

  /** Decides `build(session)` for `target`, records it in the task's session and audits it. */
  async #decide(
    input: { principal: VerifiedTaskToken; requestId?: string | null | undefined },
    target: string,
    build: (session: SessionSnapshot) => DecisionRequest,
    record: Pick<DecisionRecord, 'destinations' | 'classificationReturned'>,
  ): Promise<AuthorizeResult> {
    const { principal } = input;
    // A task not in memory (evicted, or from before a restart) is read back from the store first.
    const loaded =
      this.#sessions.get(principal.taskId) ?? (await this.#sessions.load(principal.taskId));
    // From here to `record` nothing awaits, so concurrent calls of one task see each other in order.
    const state = this.#sessions.get(principal.taskId) ?? loaded;
    const request = build(sessionSnapshotOf(state));
    const now = request.now;
    const inputsDigest = digestOf(request);
    const decision = guardRestrictions(request, this.#opts.decisionPoint().authorize(request));
    const recorded = recordDecision(state, {
      toolId: target,
      outcome: decision.outcome,
      at: now.getTime(),
      ...record,
    });
    // Resolves once a change policy could see grow (taint, tools, hosts) is stored: awaited with the audit event.
    const durable = this.#sessions.record(principal.taskId, state, recorded);
    const result: AuthorizeResult = {
      decisionId: newId(),
      outcome: decision.outcome,
      reasons: decision.reasons,
      errors: decision.errors,
      policySetVersion: decision.policySetVersion,
      inputsDigest,
    };
    if (this.#shadow) this.#compareShadow(this.#shadow, request, result, target, principal.taskId);
    const audited = this.#opts.audit?.({
      actor: principal.actor,
      action: 'decision',
      target,
      outcome: decision.outcome === 'allow' ? 'success' : 'denied',
      requestId: input.requestId ?? null,
      details: {
        decision_id: result.decisionId,
        action: request.action,
        outcome: result.outcome,
        policy_set_version: result.policySetVersion,
        reasons: result.reasons,
        errors: result.errors,
        inputs_digest: inputsDigest,
        tool: target,
        task: principal.taskId,
        chain: request.principal.chain.actors,
        // The full request, so the decision can be replayed against a candidate policy set (src/policy/replay.ts).
        request: {
          ...request,
          ...(request.arguments
            ? { arguments: redactSecrets(request.arguments) as Record<string, unknown> }
            : {}),
          now: now.toISOString(),
        },
      },
    });
    await Promise.all([audited, durable]);
    try {
      this.#opts.onDecision?.(
        principal.taskId,
        recorded,
        { ...result, reasons: [...result.reasons], errors: [...result.errors] },
        { agent: principal.actor, requestId: input.requestId ?? null },
      );
    } catch {
      // the answer is decided and audited; a failing observer must not turn it into an error
    }
    return result;
  }

  /**
   * Sets (or clears, with null) a candidate decision point evaluated beside the active one on
   * every call. It never changes the answer; where its outcome differs, the disagreement is kept
   * in memory (bounded) for `shadowDisagreements`. Setting or clearing it drops those kept.
   */
  setShadow(point: DecisionPoint | null): void {
    this.#shadow = point;
    this.#disagreements = [];
  }

  /** The shadow decision point, or null. */
  get shadow(): DecisionPoint | null {
    return this.#shadow;
  }

  /** Disagreements of the shadow set with the active one, oldest first. */
  shadowDisagreements(): ShadowDisagreement[] {
    return [...this.#disagreements];
  }

  #compareShadow(
    shadow: DecisionPoint,
    request: DecisionRequest,
    live: AuthorizeResult,
    toolId: string,
    taskId: string,
  ): void {
    let other;
    try {
      other = guardRestrictions(request, shadow.authorize(request));
    } catch {
      return; // a shadow set must never affect the live path
    }
    if (other.outcome === live.outcome) return;
    this.#disagreements.push({
      decisionId: live.decisionId,
      time: request.now.getTime(),
      toolId,
      taskId,
      live: live.outcome,
      shadow: other.outcome,
      liveReasons: live.reasons,
      shadowReasons: other.reasons,
      liveVersion: live.policySetVersion,
      shadowVersion: other.policySetVersion,
    });
    const max = this.#opts.maxShadowDisagreements ?? 1_000;
    if (this.#disagreements.length > max)
      this.#disagreements.splice(0, this.#disagreements.length - max);
  }

  /** The task's session state held in memory (empty when none is held there). */
  session(taskId: string): SessionState {
    return this.#sessions.get(taskId) ?? emptySession(taskId);
  }

  /** Drops a task's session state, in memory and in the store (call when the task ends). */
  forget(taskId: string): void {
    this.#sessions.forget(taskId);
  }

  /** Sessions held in memory. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The session states, to flush and close with the store. */
  get sessions(): SessionStates {
    return this.#sessions;
  }
}

/** Argument keys whose values never reach the audit log (replay sees `[redacted]` there). */
const SECRET_KEY =
  /pass(word|phrase)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie/i;

/** A copy of `value` with the values of secret-looking keys replaced, at any depth. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1),
    ]),
  );
}
