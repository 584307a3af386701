import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import { parseSpiffeId } from '../core/spiffe-id.js';
import type { AuditEventInput } from '../core/store/index.js';
import { parseInput } from '../core/validation.js';
import { needsTask, runDetectors, type DeclaredTask, type Finding } from './detectors/index.js';
import { planResponses } from './responses.js';
import { RiskChanges, type RiskChange } from './risk-changes.js';
import {
  BUILT_IN_SOURCE,
  DETECTORS,
  isRestriction,
  type ResponseName,
  type Restriction,
  type SignalsConfig,
} from './signal-config.js';
import { riskOf, signalInputSchema, type SignalInput } from './signal-input.js';
import { refusalMessage, signalDetails, targetOf, type Refusal } from './signal-details.js';
import { SignalBook, type CallSubject, type Signal } from './signals.js';
import type { SessionState } from './session-state.js';

/**
 * Signals and the graduated response. Outside detectors report through `receive`
 * (`POST /v1/signals`); the built-in detectors run in `observe`, which the decision service
 * calls after each recorded decision. Either way a signal is kept in the `SignalBook` (its risk
 * and restrictions count for the task's or agent's next calls at once), audited
 * (`signal.received` / `signal.detected`), and answered with the responses `planResponses`
 * gives, each audited as `signal.response` with the signal that caused it. The decision
 * service reads `risk` (Cedar `context.risk`) and `restrictions` (`context.restrictions`).
 */

export interface SignalTask extends DeclaredTask {
  id: string;
  /** The agent that started it (SPIFFE ID). */
  agent: string;
  status: string;
}

export interface SignalServiceDeps {
  config: SignalsConfig;
  clock: Clock;
  trustDomain: string;
  /**
   * Appends one audit event in its own transaction; resolves once it is durable. With `keep`,
   * the signal the event reports is stored in the same transaction (so a restart keeps it until
   * it expires: `restore`).
   */
  audit: (event: AuditEventInput, keep?: Signal) => Promise<unknown>;
  /** The task, or undefined when there is none. */
  task: (taskId: string) => Promise<SignalTask | undefined>;
  /** A registered agent's labels as Cedar sees them (`key:value`, or `key`), or undefined when it is not registered. */
  agentLabels: (spiffeId: string) => Promise<string[] | undefined>;
  /**
   * Whether agents of this (foreign) trust domain are federated here; a signal about an agent of a
   * domain that is not is refused. Default: none is.
   */
  federated?: (trustDomain: string) => Promise<boolean>;
  /** Ids of the active tasks an agent started. */
  activeTasks: (spiffeId: string) => Promise<string[]>;
  /** Ends a task and revokes everything issued under it (TaskService.end). */
  endTask: (taskId: string, by: string, ctx: RequestContext) => Promise<unknown>;
  /** Suspends a registered agent (AgentRegistry.suspend). */
  suspendAgent: (spiffeId: string, by: string, ctx: RequestContext) => Promise<unknown>;
  /** Background work that failed beyond its own audit (an audit append that threw). */
  onError?: (err: unknown) => void;
  /**
   * Told when a new signal changes the risk of its task (or, for an agent signal, of the agent),
   * and when that risk falls back as signals expire (`sweep`): the SSF transmitter turns a change
   * of level into a CAEP `risk-level-change`. Must not throw.
   */
  onRiskChange?: (change: RiskChange) => void;
  /** Told of each signal the book refused for room (after it is audited as `signal.refused`). Must not throw. */
  onRefused?: (refusal: { reason: Refusal; source: string }) => void;
}

export type { Refusal } from './signal-details.js';
export { signalDetails } from './signal-details.js';

export type { RiskChange } from './risk-changes.js';

export interface ResponseOutcome {
  response: ResponseName;
  outcome: 'success' | 'failure';
  /** What it acted on: `task:<id>` or an agent's SPIFFE ID. */
  targets: string[];
  error?: string;
}

export interface Received {
  signal: Signal;
  responses: ResponseOutcome[];
}

const LABELS_TTL_MS = 60_000;

const messageOf = (err: unknown): string =>
  err instanceof MandateError ? err.message : 'internal error';

export class SignalService {
  readonly #deps: SignalServiceDeps;
  readonly #book: SignalBook;
  /** Declarations of tasks seen recently (immutable once issued). */
  readonly #tasks: LRUCache<string, SignalTask>;
  readonly #labels: LRUCache<string, { labels: string[] | null; until: number }>;
  readonly #loading = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #detectorsOn: boolean;
  readonly #risks: RiskChanges | null;

  constructor(deps: SignalServiceDeps) {
    this.#deps = deps;
    const c = deps.config;
    this.#book = new SignalBook({
      maxPerSubject: c.maxSignalsPerSubject,
      maxSubjects: c.maxSubjects,
      maxTaskSubjectsPerAgent: c.maxTaskSubjectsPerAgent,
      maxSubjectsPerSource: c.maxSubjectsPerSource,
    });
    // Bounded by `maxSize` counting 1 an entry rather than by `max`, which allocates every slot
    // up front: maxSubjects may be ten million.
    this.#tasks = new LRUCache({ maxSize: c.maxSubjects, sizeCalculation: () => 1 });
    this.#labels = new LRUCache({ maxSize: c.maxSubjects, sizeCalculation: () => 1 });
    this.#detectorsOn = DETECTORS.some((k) => deps.config.detectors[k].enabled);
    this.#risks = deps.onRiskChange
      ? new RiskChanges(this.#book, deps.clock, deps.onRiskChange, (err) => deps.onError?.(err))
      : null;
  }

  get config(): SignalsConfig {
    return this.#deps.config;
  }

  /** The call's risk for the decision service: the highest live signal's about its task, its agent or any agent on its chain. */
  risk(call: CallSubject): number {
    this.#prefetch(call);
    return this.#book.risk(call, this.#deps.clock.now());
  }

  /** The restrictions in force for the call (Cedar `context.restrictions`). */
  restrictions(call: CallSubject): Restriction[] {
    return this.#book.restrictions(call, this.#deps.clock.now());
  }

  /** What would count for a new token's calls (a token exchange: no task yet, or the parent's). */
  standing(call: CallSubject): { risk: number; restrictions: Restriction[] } {
    const now = this.#deps.clock.now();
    return { risk: this.#book.risk(call, now), restrictions: this.#book.restrictions(call, now) };
  }

  /** Live signals about a task, an agent, or all, newest first. */
  list(filter: { task?: string; agent?: string; limit?: number }): Signal[] {
    return this.#book.list(filter, this.#deps.clock.now());
  }

  /** Drops a task's signals and cached declaration (call when the task ends). */
  forgetTask(taskId: string): void {
    this.#book.forgetTask(taskId);
    this.#tasks.delete(taskId);
    this.#risks?.forgetTask(taskId);
  }

  /** Tells risk falls to `onRiskChange` within a second (RiskChanges) until `close`. */
  start(): this {
    this.#risks?.start();
    return this;
  }

  close(): void {
    this.#risks?.close();
  }

  /** Tells `onRiskChange` about each task or agent whose risk fell since it was last told (signals expired); after `restore`, once the listener can deliver. */
  sweep(): void {
    this.#risks?.sweep();
  }

  /** How many stored signals `restore` asks for: as many as the book holds at most, and no more than 100,000. */
  get restoreLimit(): number {
    return Math.min(
      100_000,
      this.#deps.config.maxSubjects * this.#deps.config.maxSignalsPerSubject,
    );
  }

  /**
   * Puts back what a previous run stored (at start, before any call is decided): the signals
   * still live, about an agent or an active task. Their responses ran when they arrived and are
   * not run again. Every stored signal, expired ones too, counts as told, and the falls since are
   * told by the next `sweep` (a signal that expired while Mandate was down must not leave a
   * receiver at its level; the caller sweeps once `onRiskChange` reaches the SSF streams).
   * Returns how many signals were restored.
   */
  async restore(stored: readonly Signal[]): Promise<number> {
    const now = this.#deps.clock.now();
    const active = new Map<string, boolean>();
    let restored = 0;
    for (const signal of stored) {
      if (signal.task !== null) {
        if (!active.has(signal.task))
          active.set(signal.task, (await this.#taskOf(signal.task))?.status === 'active');
        // An ended task's end was told as session-revoked, not as a falling risk.
        if (!active.get(signal.task)) continue;
      }
      this.#risks?.toldBefore(signal);
      if (signal.expiresAt <= now) continue;
      this.#book.add(signal, now);
      restored++;
    }
    return restored;
  }

  /** Resolves once the background work started so far (detector audits and responses) is done. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /**
   * A signal from an outside detector: validated (`invalid_request`; an unknown task or
   * registered agent `not_found`; an ended task `conflict`), audited as `signal.received`, kept
   * until it expires, then answered with its responses (each audited as `signal.response`).
   * Nothing is kept when the validation or the `signal.received` audit fails.
   */
  async receive(raw: SignalInput, ctx: RequestContext): Promise<Received> {
    const input = parseInput(signalInputSchema, raw);
    const { config, clock } = this.#deps;
    const ttl = input.ttl_seconds ?? config.defaultTtlSeconds;
    if (ttl > config.maxTtlSeconds)
      throw new MandateError(
        'invalid_request',
        `\`ttl_seconds\` must be at most ${config.maxTtlSeconds}`,
        { field: 'ttl_seconds' },
      );
    let agent: string;
    let labels: string[];
    if (input.task !== undefined) {
      const task = await this.#taskOf(input.task);
      if (!task) throw new MandateError('not_found', `task \`${input.task}\` does not exist`);
      if (task.status !== 'active')
        throw new MandateError(
          'conflict',
          `task \`${input.task}\` is ${task.status}; signals count only for active tasks`,
        );
      agent = task.agent;
      labels = (await this.#labelsOf(agent)) ?? [];
    } else {
      agent = input.agent as string;
      const known = await this.#labelsOf(agent);
      const domain = parseSpiffeId(agent).trustDomain;
      if (known === undefined && domain === this.#deps.trustDomain)
        throw new MandateError('not_found', `agent \`${agent}\` is not registered`);
      if (domain !== this.#deps.trustDomain && !(await this.#deps.federated?.(domain)))
        throw new MandateError(
          'not_found',
          `trust domain \`${domain}\` is not federated; signals are taken about its agents once it is`,
        );
      labels = known ?? [];
    }
    const now = clock.now();
    const risk = riskOf(input);
    const asked: Signal = Object.freeze({
      id: newId(),
      kind: input.kind,
      source: input.source,
      risk,
      confidence: input.confidence ?? null,
      reason: input.reason ?? null,
      task: input.task ?? null,
      agent,
      at: now,
      expiresAt: now + ttl * 1000,
      responses: Object.freeze(planResponses({ kind: input.kind, risk, agent }, labels, config)),
      key: null,
    });
    const placed = this.#book.place(asked, now);
    if (!placed.ok) {
      await this.#refused(asked, placed.reason, ctx);
      throw new MandateError('unavailable', refusalMessage(placed.reason, asked.source), {
        reason: placed.reason,
      });
    }
    const signal = placed.signal;
    await this.#deps.audit(
      {
        actor: ctx.actor,
        action: 'signal.received',
        target: targetOf(signal),
        outcome: 'success',
        requestId: ctx.requestId,
        details: { ...signalDetails(signal), ttl_seconds: ttl },
      },
      signal,
    );
    this.#add(signal, now);
    const responses: ResponseOutcome[] = [];
    for (const r of signal.responses)
      responses.push(await this.#respond(signal, r, ctx, asked.task));
    return { signal, responses };
  }

  /**
   * The decision service's hook, called after each recorded decision: runs the built-in
   * detectors over the task's new session state. Their signals count from the next call on (kept
   * synchronously when the task's declaration and the agent's labels are cached, which the
   * call's `risk` lookup started); auditing and the responses run in the background and can
   * never change the answer already given.
   */
  observe(
    taskId: string,
    state: SessionState,
    call: { agent: string; requestId: string | null },
  ): void {
    if (!this.#detectorsOn) return;
    const { config } = this.#deps;
    const task = this.#tasks.get(taskId);
    const labels = this.#cachedLabels(call.agent);
    if ((needsTask(config) && task === undefined) || labels === undefined) {
      this.#background(
        Promise.all([
          needsTask(config) ? this.#taskOf(taskId) : undefined,
          this.#labelsOf(call.agent),
        ]).then(([t, l]) => this.#detect(taskId, state, call, t ?? null, l ?? [])),
      );
      return;
    }
    this.#detect(taskId, state, call, task ?? null, labels);
  }

  /** Keeps a signal; `onRiskChange` hears when it moved the risk of what it is about. */
  #add(signal: Signal, now: number): void {
    this.#book.add(signal, now);
    this.#risks?.added(signal, now);
  }

  #detect(
    taskId: string,
    state: SessionState,
    call: { agent: string; requestId: string | null },
    task: SignalTask | null,
    labels: string[],
  ): void {
    const { config, clock } = this.#deps;
    const now = clock.now();
    const findings = runDetectors(state, config, task ?? undefined).filter(
      (f) => !this.#book.hasKey(taskId, f.key, now, call.agent),
    );
    for (const f of findings) {
      const d = config.detectors[f.kind];
      const signal: Signal = Object.freeze({
        id: newId(),
        kind: f.kind,
        source: BUILT_IN_SOURCE,
        risk: d.risk,
        confidence: null,
        reason: f.reason,
        task: taskId,
        agent: call.agent,
        at: now,
        expiresAt: now + d.ttlSeconds * 1000,
        responses: Object.freeze(
          planResponses(
            { kind: f.kind, risk: d.risk, agent: call.agent },
            labels,
            config,
            d.responses,
          ),
        ),
        key: f.key,
      });
      const placed = this.#book.place(signal, now);
      const ctx: RequestContext = { actor: 'system', requestId: call.requestId };
      if (!placed.ok) {
        this.#background(this.#refused(signal, placed.reason, ctx));
        continue;
      }
      // INVARIANT: kept before any await, so the task's next call already counts it.
      this.#add(placed.signal, now);
      this.#background(this.#afterDetection(placed.signal, f, ctx, taskId));
    }
  }

  async #afterDetection(
    signal: Signal,
    finding: Finding,
    ctx: RequestContext,
    taskId: string,
  ): Promise<void> {
    await this.#deps.audit(
      {
        actor: 'system',
        action: 'signal.detected',
        target: targetOf(signal),
        outcome: 'success',
        requestId: ctx.requestId,
        details: { ...signalDetails(signal), detector: finding.details },
      },
      signal,
    );
    for (const r of signal.responses) await this.#respond(signal, r, ctx, taskId);
  }

  /** A signal the book had no room for: audited as `signal.refused` (nothing kept, no response run) and counted. */
  async #refused(signal: Signal, reason: Refusal, ctx: RequestContext): Promise<void> {
    try {
      this.#deps.onRefused?.({ reason, source: signal.source });
    } catch (err) {
      this.#deps.onError?.(err);
    }
    await this.#deps.audit({
      actor: ctx.actor,
      action: 'signal.refused',
      target: targetOf(signal),
      outcome: 'failure',
      requestId: ctx.requestId,
      details: { ...signalDetails(signal), refusal: reason },
    });
  }

  /**
   * Carries out one response and audits it as `signal.response`; a failure is audited, not thrown.
   * `task`: the task the signal was about as sent; a task signal folded into its agent for room
   * still revokes only that task, while its restrictions hold agent-wide.
   */
  async #respond(
    signal: Signal,
    response: ResponseName,
    ctx: RequestContext,
    task: string | null,
  ): Promise<ResponseOutcome> {
    const by = `signal:${signal.kind}`;
    const system: RequestContext = { actor: 'system', requestId: ctx.requestId };
    let targets: string[] = [];
    let error: string | undefined;
    try {
      if (isRestriction(response)) {
        targets = [targetOf(signal)];
      } else if (response === 'revoke_task') {
        const ids = task !== null ? [task] : await this.#deps.activeTasks(signal.agent as string);
        targets = ids.map((id) => `task:${id}`);
        for (const id of ids) await this.#deps.endTask(id, by, system);
      } else {
        targets = [signal.agent as string];
        await this.#deps.suspendAgent(signal.agent as string, by, system);
      }
    } catch (err) {
      error = messageOf(err);
    }
    const outcome: ResponseOutcome = {
      response,
      outcome: error === undefined ? 'success' : 'failure',
      targets,
      ...(error === undefined ? {} : { error }),
    };
    await this.#deps.audit({
      actor: 'system',
      action: 'signal.response',
      target: targetOf(signal),
      outcome: outcome.outcome,
      requestId: ctx.requestId,
      details: {
        response,
        targets,
        ...(isRestriction(response) ? { until: new Date(signal.expiresAt).toISOString() } : {}),
        ...(error === undefined ? {} : { error }),
        signal: signalDetails(signal),
      },
    });
    return outcome;
  }

  #background(work: Promise<unknown>): void {
    const p = work
      .catch((err: unknown) => this.#deps.onError?.(err))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Starts loading what `observe` will need for this call, so that it finds it cached. */
  #prefetch(call: CallSubject): void {
    if (!this.#detectorsOn) return;
    if (call.taskId !== null && needsTask(this.#deps.config) && !this.#tasks.has(call.taskId))
      void this.#taskOf(call.taskId).catch(() => undefined);
    if (this.#cachedLabels(call.agent) === undefined)
      void this.#labelsOf(call.agent).catch(() => undefined);
  }

  /** For the detectors: the cached labels, none for an agent known not to be registered, undefined when not cached. */
  #cachedLabels(agent: string): string[] | undefined {
    const hit = this.#labels.get(agent);
    return hit && hit.until > this.#deps.clock.now() ? (hit.labels ?? []) : undefined;
  }

  async #taskOf(taskId: string): Promise<SignalTask | undefined> {
    const cached = this.#tasks.get(taskId);
    if (cached) return cached;
    const task = await this.#once(`task:${taskId}`, () => this.#deps.task(taskId));
    // Only active tasks are cached: their declaration does not change, and an ended task is forgotten.
    if (task?.status === 'active') this.#tasks.set(taskId, task);
    return task;
  }

  /** A registered agent's labels; undefined for an agent not registered here (cached as such, never read as known). */
  async #labelsOf(agent: string): Promise<string[] | undefined> {
    const hit = this.#labels.get(agent);
    if (hit && hit.until > this.#deps.clock.now()) return hit.labels ?? undefined;
    const labels = await this.#once(`agent:${agent}`, () => this.#deps.agentLabels(agent));
    this.#labels.set(agent, {
      labels: labels ?? null,
      until: this.#deps.clock.now() + LABELS_TTL_MS,
    });
    return labels;
  }

  /** One load per key at a time. */
  #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const inFlight = this.#loading.get(key) as Promise<T> | undefined;
    if (inFlight) return inFlight;
    const p = load().finally(() => this.#loading.delete(key));
    this.#loading.set(key, p);
    return p;
  }
}
