import { classificationRank, type Classification } from '../policy/tool-catalog.js';
import { AppendOnlySet } from './append-only-set.js';

/**
 * Per-task session state: what the decision point has decided for one task so far, as an
 * immutable value and pure transitions. It feeds Cedar's `context.session` (`snapshot`) and the
 * risk detectors (denial streak, rate spike, new external destination, classification jump).
 *
 * What counts: every decision counts in `callCount` and `callsInWindow`; only allowed calls
 * happened, so only they add to `toolsCalled`, `recentTools`, the taint and the external
 * destinations. A denial lengthens `denialStreak`, an allow ends it, and `approval_required`
 * leaves it as it was (the call neither failed nor happened).
 */

export type Outcome = 'allow' | 'deny' | 'approval_required';

/** One decided call, as the decision point records it. */
export interface DecisionRecord {
  readonly toolId: string;
  readonly outcome: Outcome;
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly destinations: readonly { readonly host: string; readonly external: boolean }[];
  /** The catalog classification of what the tool returns; taints the session when allowed. */
  readonly classificationReturned?: Classification;
}

/** What the last recorded decision changed, for detectors that react to one call. */
export interface LastDecision {
  readonly toolId: string;
  readonly outcome: Outcome;
  readonly at: number;
  /** External hosts this call contacted for the first time in the task. */
  readonly newExternalDestinations: readonly string[];
  /** The taint rank before this call. */
  readonly previousClassificationRank: number;
}

export interface SessionState {
  readonly taskId: string;
  /** Distinct tools allowed so far, in order of first call; O(1) `has`. */
  readonly toolsCalled: AppendOnlySet;
  /** The last `RECENT_TOOLS_LIMIT` allowed tool ids in call order, repeats included. */
  readonly recentTools: readonly string[];
  /** Taint: the highest classification a tool allowed in this task returned; only ever rises. */
  readonly highestClassification: Classification;
  readonly highestClassificationRank: number;
  /** Distinct external hosts allowed calls have reached, in first-contact order. */
  readonly externalDestinations: AppendOnlySet;
  /** When an allowed call first reached an external host, or null. */
  readonly firstExternalAt: number | null;
  readonly denials: number;
  /** Consecutive denials since the last allow. */
  readonly denialStreak: number;
  readonly approvalsRequired: number;
  /** Decisions recorded, of any outcome. */
  readonly callCount: number;
  /** Times of the decisions in the `WINDOW_MS` before the latest, oldest first, at most `MAX_WINDOW_CALLS`. */
  readonly callsInWindow: readonly number[];
  /** The latest decision time seen (decisions may be recorded out of order). */
  readonly lastAt: number | null;
  readonly last: LastDecision | null;
}

/** The plain object the decision point puts in Cedar `context.session`. */
export interface SessionSnapshot {
  tools_called: string[];
  highest_classification: Classification;
  highest_classification_rank: number;
  external_destinations: string[];
  denials: number;
  call_count: number;
}

export const WINDOW_MS = 60_000;
/** `callsInWindow` keeps at most this many times; a rate detector sees a saturated window as at least this rate. */
export const MAX_WINDOW_CALLS = 1000;
export const RECENT_TOOLS_LIMIT = 32;

/**
 * The state of a task before any call.
 *
 * @example emptySession('task-1').highestClassification // 'public'
 */
export function emptySession(taskId: string): SessionState {
  return Object.freeze({
    taskId,
    toolsCalled: AppendOnlySet.empty(),
    recentTools: Object.freeze([]),
    highestClassification: 'public',
    highestClassificationRank: 0,
    externalDestinations: AppendOnlySet.empty(),
    firstExternalAt: null,
    denials: 0,
    denialStreak: 0,
    approvalsRequired: 0,
    callCount: 0,
    callsInWindow: Object.freeze([]),
    lastAt: null,
    last: null,
  });
}

/** The window after a call at `at`: the times within `WINDOW_MS` of the latest, newest kept. */
function slide(window: readonly number[], at: number, now: number): readonly number[] {
  const from = now - WINDOW_MS;
  const kept = window.filter((t) => t > from);
  if (at > from) {
    // Keep the window sorted even when a call is recorded late.
    let i = kept.length;
    while (i > 0 && (kept[i - 1] as number) > at) i--;
    kept.splice(i, 0, at);
  }
  return Object.freeze(
    kept.length > MAX_WINDOW_CALLS ? kept.slice(kept.length - MAX_WINDOW_CALLS) : kept,
  );
}

/**
 * The state after one more decided call. O(1) apart from the bounded window and recent-tools
 * copies and O(destinations) for the call's destinations.
 *
 * @example
 * const s = recordDecision(emptySession('t'), { toolId: 'db/query', outcome: 'allow', at: Date.now(), destinations: [], classificationReturned: 'confidential' });
 * s.highestClassificationRank // 2
 */
export function recordDecision(state: SessionState, decision: DecisionRecord): SessionState {
  const { toolId, outcome, at } = decision;
  const allowed = outcome === 'allow';
  const now = state.lastAt === null ? at : Math.max(state.lastAt, at);
  let toolsCalled = state.toolsCalled;
  let recentTools = state.recentTools;
  let externalDestinations = state.externalDestinations;
  let firstExternalAt = state.firstExternalAt;
  let highestClassification = state.highestClassification;
  let highestClassificationRank: number = state.highestClassificationRank;
  const newExternalDestinations: string[] = [];
  if (allowed) {
    toolsCalled = toolsCalled.with(toolId);
    recentTools = Object.freeze([
      ...recentTools.slice(recentTools.length >= RECENT_TOOLS_LIMIT ? 1 : 0),
      toolId,
    ]);
    for (const d of decision.destinations) {
      if (!d.external) continue;
      if (!externalDestinations.has(d.host)) newExternalDestinations.push(d.host);
      externalDestinations = externalDestinations.with(d.host);
      firstExternalAt = firstExternalAt === null ? at : Math.min(firstExternalAt, at);
    }
    const returned = decision.classificationReturned;
    // INVARIANT: taint only rises; a lower classification never replaces a higher one.
    if (returned !== undefined && classificationRank(returned) > highestClassificationRank) {
      highestClassification = returned;
      highestClassificationRank = classificationRank(returned);
    }
  }
  return Object.freeze({
    taskId: state.taskId,
    toolsCalled,
    recentTools,
    highestClassification,
    highestClassificationRank,
    externalDestinations,
    firstExternalAt,
    denials: state.denials + (outcome === 'deny' ? 1 : 0),
    denialStreak: outcome === 'deny' ? state.denialStreak + 1 : allowed ? 0 : state.denialStreak,
    approvalsRequired: state.approvalsRequired + (outcome === 'approval_required' ? 1 : 0),
    callCount: state.callCount + 1,
    callsInWindow: slide(state.callsInWindow, at, now),
    lastAt: now,
    last: Object.freeze({
      toolId,
      outcome,
      at,
      newExternalDestinations: Object.freeze(newExternalDestinations),
      previousClassificationRank: state.highestClassificationRank,
    }),
  });
}

/**
 * How many recorded decisions fall in the `WINDOW_MS` before `now` (for a detector that checks
 * between calls). Saturates at `MAX_WINDOW_CALLS`.
 */
export function callsInLastWindow(state: SessionState, now: number): number {
  return state.callsInWindow.filter((t) => t > now - WINDOW_MS && t <= now).length;
}

/**
 * The Cedar `context.session` record. Exactly these six attributes, so the value matches the
 * schema's record type under strict validation; the tool and host lists are in first-seen order.
 *
 * @example snapshot(emptySession('t')) // { tools_called: [], highest_classification: 'public', highest_classification_rank: 0, external_destinations: [], denials: 0, call_count: 0 }
 */
export function snapshot(state: SessionState): SessionSnapshot {
  return {
    tools_called: state.toolsCalled.values(),
    highest_classification: state.highestClassification,
    highest_classification_rank: state.highestClassificationRank,
    external_destinations: state.externalDestinations.values(),
    denials: state.denials,
    call_count: state.callCount,
  };
}
