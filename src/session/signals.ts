import type { SignalRecord } from '../core/store/index.js';
import { isRestriction, RESPONSES, type ResponseName, type Restriction } from './signal-config.js';

/**
 * Live risk and confidence signals, in memory: what the built-in detectors found and what outside
 * detectors (guardrails, an LLM judge, EDR) reported, each about one task or one agent, each
 * expiring. A call's risk is the highest risk among the live signals about its task or its agent;
 * its restrictions are the union of their restricting responses. Bounded: at most
 * `maxPerSubject` signals per task or agent (the weakest dropped beyond) and `maxSubjects` tasks
 * and agents (those with nothing live first, then the least recently signalled).
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
  return { id: s.id, kind: s.kind, source: s.source, risk: s.risk, confidence: s.confidence, reason: s.reason, task: s.task, agent: s.agent, at: s.at, expiresAt: s.expiresAt, responses: [...s.responses], key: s.key };
}

/** A stored signal; a response this version does not know is left out. */
export function signalOf(r: SignalRecord): Signal {
  const responses = r.responses.filter((x): x is ResponseName => (RESPONSES as readonly string[]).includes(x));
  return Object.freeze({ ...r, responses: Object.freeze(responses) });
}

export interface CallSubject {
  agent: string;
  taskId: string;
}

const subjectKey = (s: Signal): string => (s.task !== null ? `task:${s.task}` : `agent:${s.agent ?? ''}`);

/** Weakest first: no restriction before a restriction, then lower risk, then sooner expiry. */
function weaker(a: Signal, b: Signal): number {
  const ra = a.responses.some(isRestriction) ? 1 : 0;
  const rb = b.responses.some(isRestriction) ? 1 : 0;
  return ra - rb || a.risk - b.risk || a.expiresAt - b.expiresAt;
}

export class SignalBook {
  // Map order is least recently signalled first.
  readonly #subjects = new Map<string, Signal[]>();
  readonly #maxPerSubject: number;
  readonly #maxSubjects: number;

  constructor(opts: { maxPerSubject: number; maxSubjects: number }) {
    this.#maxPerSubject = opts.maxPerSubject;
    this.#maxSubjects = opts.maxSubjects;
  }

  /** Keeps a signal until it expires (or is dropped as the weakest beyond the bounds). */
  add(signal: Signal, now: number): void {
    const key = subjectKey(signal);
    const kept = (this.#subjects.get(key) ?? []).filter((s) => s.expiresAt > now);
    kept.push(signal);
    if (kept.length > this.#maxPerSubject) {
      kept.sort(weaker);
      kept.splice(0, kept.length - this.#maxPerSubject);
    }
    this.#subjects.delete(key);
    this.#subjects.set(key, kept);
    if (this.#subjects.size > this.#maxSubjects) this.#evict(now);
  }

  #evict(now: number): void {
    for (const [key, list] of this.#subjects) {
      if (this.#subjects.size <= this.#maxSubjects) return;
      if (list.every((s) => s.expiresAt <= now)) this.#subjects.delete(key);
    }
    while (this.#subjects.size > this.#maxSubjects) this.#subjects.delete(this.#subjects.keys().next().value as string);
  }

  #liveOf(key: string, now: number): Signal[] {
    const list = this.#subjects.get(key);
    if (!list) return [];
    const live = list.filter((s) => s.expiresAt > now);
    if (live.length === 0) this.#subjects.delete(key);
    else if (live.length !== list.length) this.#subjects.set(key, live);
    return live;
  }

  /** The live signals that count for a call: those about its task and those about its agent. */
  forCall(call: CallSubject, now: number): Signal[] {
    return [...this.#liveOf(`task:${call.taskId}`, now), ...this.#liveOf(`agent:${call.agent}`, now)];
  }

  /** The call's risk: the highest live signal's, 0 when none. */
  risk(call: CallSubject, now: number): number {
    return this.forCall(call, now).reduce((max, s) => Math.max(max, s.risk), 0);
  }

  /** The risk from the live signals about exactly this task (or, with `task` null, this agent), 0 when none. */
  ownRisk(subject: { task: string | null; agent: string }, now: number): number {
    return this.#liveOf(subject.task !== null ? `task:${subject.task}` : `agent:${subject.agent}`, now).reduce((max, s) => Math.max(max, s.risk), 0);
  }

  /** The restrictions in force for the call, in a stable order. */
  restrictions(call: CallSubject, now: number): Restriction[] {
    const found = new Set<Restriction>();
    for (const s of this.forCall(call, now)) for (const r of s.responses) if (isRestriction(r)) found.add(r);
    return [...found].sort();
  }

  /** True when a live signal about `taskId` carries `key` (a detector's dedup key). */
  hasKey(taskId: string, key: string, now: number): boolean {
    return this.#liveOf(`task:${taskId}`, now).some((s) => s.key === key);
  }

  /** Live signals about a task, an agent, or (with neither) all, newest first, at most `limit`. */
  list(filter: { task?: string; agent?: string; limit?: number }, now: number): Signal[] {
    let out: Signal[];
    if (filter.task !== undefined) out = this.#liveOf(`task:${filter.task}`, now);
    else if (filter.agent !== undefined) out = [...this.#liveOf(`agent:${filter.agent}`, now), ...[...this.#subjects.keys()].filter((k) => k.startsWith('task:')).flatMap((k) => this.#liveOf(k, now)).filter((s) => s.agent === filter.agent)];
    else out = [...this.#subjects.keys()].flatMap((k) => this.#liveOf(k, now));
    return out.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : 1)).slice(0, filter.limit ?? 1_000);
  }

  /** Drops a task's signals (when the task ends: nothing can call under it any more). */
  forgetTask(taskId: string): void {
    this.#subjects.delete(`task:${taskId}`);
  }

  get subjectCount(): number {
    return this.#subjects.size;
  }
}
