import type { SignalRecord } from '../core/store/index.js';
import {
  BUILT_IN_SOURCE,
  isRestriction,
  RESPONSES,
  type ResponseName,
  type Restriction,
} from './signal-config.js';

/**
 * Live risk and confidence signals, in memory: what the built-in detectors found and what outside
 * detectors (guardrails, an LLM judge, EDR) reported, each about one task or one agent, each
 * expiring. A call's risk is the highest risk among the live signals about its task or its agent;
 * its restrictions are the union of their restricting responses, each until its own expiry.
 *
 * Bounded without ever lifting a restriction or lowering a risk to make room: beyond
 * `maxPerSubject` signals of a task or agent, the weakest is folded into what the subject still
 * imposes (its risk and restrictions with their expiries) instead of being listed one by one;
 * beyond `maxSubjects`, only a subject whose live signals change no decision (risk 0, no
 * restriction) or nothing live may go, and `place` refuses a new subject otherwise. A task signal
 * beyond `maxTaskSubjectsPerAgent` tasks of one agent is folded into that agent (so an agent cannot
 * spread itself over tasks to push others out), and an outside source may open at most
 * `maxSubjectsPerSource` subjects.
 */

export interface Signal {
  readonly id: string;
  /** What it is about: a detector name (`denial_streak`) or an outside kind (`prompt_injection`). */
  readonly kind: string;
  /** Who says so: `mandate` for the built-in detectors, else the outside source's name. */
  readonly source: string;
  /** 0..100, higher is worse. */
  readonly risk: number;
  /** 0..1 as the source sent it, or null. */
  readonly confidence: number | null;
  readonly reason: string | null;
  /** The task it is about; null for a signal about an agent, which counts for all its calls. */
  readonly task: string | null;
  /** The agent it is about; for a task signal, the agent that acted (detectors) or the task's agent. */
  readonly agent: string | null;
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly expiresAt: number;
  /** The responses it got; the restricting ones hold while it lives. */
  readonly responses: readonly ResponseName[];
  /** For a detector's signal: the same detector does not fire again with this key while it lives. */
  readonly key: string | null;
}

/** A signal as the store keeps it. */
export function signalRecord(s: Signal): SignalRecord {
  return {
    id: s.id,
    kind: s.kind,
    source: s.source,
    risk: s.risk,
    confidence: s.confidence,
    reason: s.reason,
    task: s.task,
    agent: s.agent,
    at: s.at,
    expiresAt: s.expiresAt,
    responses: [...s.responses],
    key: s.key,
  };
}

/** A stored signal; a response this version does not know is left out. */
export function signalOf(r: SignalRecord): Signal {
  const responses = r.responses.filter((x): x is ResponseName =>
    (RESPONSES as readonly string[]).includes(x),
  );
  return Object.freeze({ ...r, responses: Object.freeze(responses) });
}

export interface CallSubject {
  /** The agent making the call. */
  agent: string;
  /** The call's task; null when there is none yet (a token exchange that would start one). */
  taskId: string | null;
  /** Every agent on the call's delegation chain (and its `sub`): their agent signals count too. */
  chain?: readonly string[];
}

export interface BookLimits {
  maxPerSubject: number;
  maxSubjects: number;
  /** Tasks of one agent kept as their own subjects; default unbounded (up to `maxSubjects`). */
  maxTaskSubjectsPerAgent?: number;
  /** Subjects one outside source may open; default unbounded. The built-in detectors are bounded per agent instead. */
  maxSubjectsPerSource?: number;
}

export type Placement =
  { ok: true; signal: Signal } | { ok: false; reason: 'book_full' | 'source_full' };

/** What signals folded out for room still impose: the latest expiry per risk and per restriction. */
interface Folded {
  risks: Map<number, number>;
  restrictions: Map<Restriction, number>;
  /** Detector keys of folded signals, each until its latest expiry: the detector stays quiet while one lives. */
  keys: Map<string, number>;
  count: number;
}

/** At most this many detector keys are kept per folded subject; beyond, the soonest to expire go first. */
const MAX_FOLDED_KEYS = 1_000;

interface Entry {
  signals: Signal[];
  folded: Folded | null;
  /** Who opened it: the source of its first signal. */
  source: string;
  /** For a task subject, its agent. */
  agent: string | null;
}

const taskKey = (task: string): string => `task:${task}`;
const agentKey = (agent: string): string => `agent:${agent}`;
const subjectKey = (s: Signal): string =>
  s.task !== null ? taskKey(s.task) : agentKey(s.agent ?? '');
/** A task's detector key once its signal is folded into the agent: still the task's own. */
const keyOfTask = (task: string, key: string): string => `task:${task}:${key}`;

/** Weakest first: no restriction before a restriction, then lower risk, then sooner expiry. */
function weaker(a: Signal, b: Signal): number {
  const ra = a.responses.some(isRestriction) ? 1 : 0;
  const rb = b.responses.some(isRestriction) ? 1 : 0;
  return ra - rb || a.risk - b.risk || a.expiresAt - b.expiresAt;
}

function fold(into: Folded, s: Signal): void {
  into.count++;
  into.risks.set(s.risk, Math.max(into.risks.get(s.risk) ?? 0, s.expiresAt));
  for (const r of s.responses)
    if (isRestriction(r))
      into.restrictions.set(r, Math.max(into.restrictions.get(r) ?? 0, s.expiresAt));
  if (s.key === null) return;
  into.keys.set(s.key, Math.max(into.keys.get(s.key) ?? 0, s.expiresAt));
  if (into.keys.size <= MAX_FOLDED_KEYS) return;
  // Bounded: a key dropped only lets its detector fire once more.
  const soonest = [...into.keys]
    .sort((a, b) => a[1] - b[1])
    .slice(0, into.keys.size - MAX_FOLDED_KEYS);
  for (const [k] of soonest) into.keys.delete(k);
}

function hasLiveKey(e: Entry | undefined, key: string, now: number): boolean {
  if (!e) return false;
  return (
    e.signals.some((s) => s.key === key && s.expiresAt > now) ||
    (e.folded?.keys.get(key) ?? 0) > now
  );
}

function riskOf(e: Entry, now: number): number {
  let max = 0;
  for (const s of e.signals) if (s.expiresAt > now && s.risk > max) max = s.risk;
  if (e.folded)
    for (const [risk, until] of e.folded.risks) if (until > now && risk > max) max = risk;
  return max;
}

function restrictionsOf(e: Entry, now: number, into: Set<Restriction>): void {
  for (const s of e.signals)
    if (s.expiresAt > now) for (const r of s.responses) if (isRestriction(r)) into.add(r);
  if (e.folded) for (const [r, until] of e.folded.restrictions) if (until > now) into.add(r);
}

/** True when the entry still changes a decision: a live risk above 0 or a live restriction. */
function inForce(e: Entry, now: number): boolean {
  if (riskOf(e, now) > 0) return true;
  const r = new Set<Restriction>();
  restrictionsOf(e, now, r);
  return r.size > 0;
}

function isLive(e: Entry, now: number): boolean {
  if (e.signals.some((s) => s.expiresAt > now)) return true;
  if (!e.folded) return false;
  for (const until of e.folded.risks.values()) if (until > now) return true;
  return false;
}

export class SignalBook {
  // Map order is least recently signalled first.
  readonly #subjects = new Map<string, Entry>();
  /** Task subjects per agent, and subjects opened per outside source (for their bounds). */
  readonly #tasksOf = new Map<string, number>();
  readonly #openedBy = new Map<string, number>();
  readonly #limits: Required<BookLimits>;

  constructor(limits: BookLimits) {
    this.#limits = {
      maxTaskSubjectsPerAgent: Number.POSITIVE_INFINITY,
      maxSubjectsPerSource: Number.POSITIVE_INFINITY,
      ...limits,
    };
  }

  /**
   * Where a signal would be kept, without keeping it: as it is; folded into its agent (a task
   * signal beyond `maxTaskSubjectsPerAgent` tasks of that agent); or refused, when it would open a
   * subject beyond `maxSubjectsPerSource` or beyond `maxSubjects` with every subject in force.
   */
  place(signal: Signal, now: number): Placement {
    let placed = signal;
    if (this.#subjects.has(subjectKey(placed))) return { ok: true, signal: placed };
    if (
      placed.task !== null &&
      placed.agent !== null &&
      (this.#tasksOf.get(placed.agent) ?? 0) >= this.#limits.maxTaskSubjectsPerAgent
    ) {
      const why = `${signal.reason ?? signal.kind} (task \`${signal.task}\`; folded into its agent, which has signals about ${this.#limits.maxTaskSubjectsPerAgent} tasks)`;
      // The detector key stays the task's, so its detector stays quiet for that task while it lives.
      placed = Object.freeze({
        ...signal,
        task: null,
        reason: why.slice(0, 1_000),
        key: signal.key === null ? null : keyOfTask(placed.task, signal.key),
      });
      if (this.#subjects.has(subjectKey(placed))) return { ok: true, signal: placed };
    }
    if (
      placed.source !== BUILT_IN_SOURCE &&
      (this.#openedBy.get(placed.source) ?? 0) >= this.#limits.maxSubjectsPerSource
    )
      return { ok: false, reason: 'source_full' };
    if (this.#subjects.size >= this.#limits.maxSubjects)
      this.#makeRoom(now, this.#limits.maxSubjects - 1);
    if (this.#subjects.size >= this.#limits.maxSubjects) return { ok: false, reason: 'book_full' };
    return { ok: true, signal: placed };
  }

  /**
   * Keeps a signal (as `place` placed it) until it expires. Never refuses: a subject in force is
   * never dropped for room, so signals placed concurrently may take the book past `maxSubjects`
   * by as many.
   */
  add(signal: Signal, now: number): void {
    const key = subjectKey(signal);
    let entry = this.#subjects.get(key);
    if (entry) {
      this.#subjects.delete(key);
      entry.signals = entry.signals.filter((s) => s.expiresAt > now);
    } else {
      entry = {
        signals: [],
        folded: null,
        source: signal.source,
        agent: signal.task !== null ? signal.agent : null,
      };
      this.#count(entry, 1);
    }
    entry.signals.push(signal);
    if (entry.signals.length > this.#limits.maxPerSubject) {
      entry.signals.sort(weaker);
      entry.folded ??= { risks: new Map(), restrictions: new Map(), keys: new Map(), count: 0 };
      // INVARIANT: folding keeps each risk and restriction until its own expiry, so no decision changes.
      for (const s of entry.signals.splice(0, entry.signals.length - this.#limits.maxPerSubject))
        fold(entry.folded, s);
    }
    this.#subjects.set(key, entry);
    if (this.#subjects.size > this.#limits.maxSubjects)
      this.#makeRoom(now, this.#limits.maxSubjects);
  }

  /** Drops subjects with nothing live, then those not in force, least recently signalled first, down to `size`. */
  #makeRoom(now: number, size: number): void {
    for (const [key, e] of this.#subjects) {
      if (this.#subjects.size <= size) return;
      if (!isLive(e, now)) this.#drop(key, e);
    }
    for (const [key, e] of this.#subjects) {
      if (this.#subjects.size <= size) return;
      if (!inForce(e, now)) this.#drop(key, e);
    }
  }

  #drop(key: string, e: Entry): void {
    this.#subjects.delete(key);
    this.#count(e, -1);
  }

  #count(e: Entry, by: 1 | -1): void {
    const bump = (m: Map<string, number>, k: string) => {
      const n = (m.get(k) ?? 0) + by;
      if (n <= 0) m.delete(k);
      else m.set(k, n);
    };
    if (e.agent !== null) bump(this.#tasksOf, e.agent);
    if (e.source !== BUILT_IN_SOURCE) bump(this.#openedBy, e.source);
  }

  #entry(key: string, now: number): Entry | undefined {
    const e = this.#subjects.get(key);
    if (!e) return undefined;
    if (!isLive(e, now)) {
      this.#drop(key, e);
      return undefined;
    }
    if (e.signals.some((s) => s.expiresAt <= now))
      e.signals = e.signals.filter((s) => s.expiresAt > now);
    return e;
  }

  #liveOf(key: string, now: number): Signal[] {
    return this.#entry(key, now)?.signals ?? [];
  }

  /** The subjects that count for a call: its task, its agent, and every agent on its chain. */
  #entriesFor(call: CallSubject, now: number): Entry[] {
    const keys = new Set<string>([agentKey(call.agent), ...(call.chain ?? []).map(agentKey)]);
    if (call.taskId !== null) keys.add(taskKey(call.taskId));
    return [...keys].flatMap((k) => this.#entry(k, now) ?? []);
  }

  /** The live signals listed for a call: those about its task and those about each agent on its chain. */
  forCall(call: CallSubject, now: number): Signal[] {
    return this.#entriesFor(call, now).flatMap((e) => e.signals);
  }

  /** The call's risk: the highest live risk (folded ones too), 0 when none. */
  risk(call: CallSubject, now: number): number {
    return this.#entriesFor(call, now).reduce((max, e) => Math.max(max, riskOf(e, now)), 0);
  }

  /** The risk from the live signals about exactly this task (or, with `task` null, this agent), 0 when none. */
  ownRisk(subject: { task: string | null; agent: string }, now: number): number {
    const e = this.#entry(
      subject.task !== null ? taskKey(subject.task) : agentKey(subject.agent),
      now,
    );
    return e ? riskOf(e, now) : 0;
  }

  /** The restrictions in force for the call, in a stable order. */
  restrictions(call: CallSubject, now: number): Restriction[] {
    const found = new Set<Restriction>();
    for (const e of this.#entriesFor(call, now)) restrictionsOf(e, now, found);
    return [...found].sort();
  }

  /**
   * True when a live signal about `taskId` carries `key` (a detector's dedup key), listed or
   * folded, kept about the task or (folded for room) about `agent`, its acting agent.
   */
  hasKey(taskId: string, key: string, now: number, agent?: string): boolean {
    if (hasLiveKey(this.#entry(taskKey(taskId), now), key, now)) return true;
    return (
      agent !== undefined &&
      hasLiveKey(this.#entry(agentKey(agent), now), keyOfTask(taskId, key), now)
    );
  }

  /** Live signals about a task, an agent, or (with neither) all, newest first, at most `limit`. */
  list(filter: { task?: string; agent?: string; limit?: number }, now: number): Signal[] {
    let out: Signal[];
    if (filter.task !== undefined) out = this.#liveOf(taskKey(filter.task), now);
    else if (filter.agent !== undefined)
      out = [
        ...this.#liveOf(agentKey(filter.agent), now),
        ...[...this.#subjects.keys()]
          .filter((k) => k.startsWith('task:'))
          .flatMap((k) => this.#liveOf(k, now))
          .filter((s) => s.agent === filter.agent),
      ];
    else out = [...this.#subjects.keys()].flatMap((k) => this.#liveOf(k, now));
    return out
      .sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1))
      .slice(0, filter.limit ?? 1_000);
  }

  /** Drops a task's signals (when the task ends: nothing can call under it any more). */
  forgetTask(taskId: string): void {
    const e = this.#subjects.get(taskKey(taskId));
    if (e) this.#drop(taskKey(taskId), e);
  }

  get subjectCount(): number {
    return this.#subjects.size;
  }
}
