import type { TaskSessionRecord } from '../core/store/index.js';
import { CLASSIFICATIONS, classificationRank } from '../policy/classification.js';
import { AppendOnlySet } from './append-only-set.js';
import {
  emptySession,
  MAX_WINDOW_CALLS,
  RECENT_TOOLS_LIMIT,
  type SessionState,
} from './session-state.js';

/**
 * A session state as the store keeps it, and back. What is read back is checked as strictly as
 * what comes over the wire: a row that does not hold a session (damaged, edited, from a bug)
 * throws, and the caller counts the task as tainted (`failClosedSession`).
 */

/** The classification a task whose session cannot be read counts as having seen: the highest there is. */
export const FAIL_CLOSED_CLASSIFICATION = CLASSIFICATIONS[
  CLASSIFICATIONS.length - 1
] as (typeof CLASSIFICATIONS)[number];

/**
 * The stand-in for a session that cannot be read: tainted at the top classification, since
 * nothing says what the task has seen. Everything else starts empty.
 *
 * @example failClosedSession('t').highestClassification // 'restricted'
 */
export function failClosedSession(taskId: string): SessionState {
  return Object.freeze({
    ...emptySession(taskId),
    highestClassification: FAIL_CLOSED_CLASSIFICATION,
    highestClassificationRank: classificationRank(FAIL_CLOSED_CLASSIFICATION),
  });
}

/** The record to store for `state` (its `last` decision is not kept: detectors react to live calls only). */
export function sessionRecord(state: SessionState, updatedAt: number): TaskSessionRecord {
  return {
    taskId: state.taskId,
    highestClassification: state.highestClassification,
    toolsCalled: state.toolsCalled.values(),
    recentTools: [...state.recentTools],
    externalDestinations: state.externalDestinations.values(),
    firstExternalAt: state.firstExternalAt,
    denials: state.denials,
    denialStreak: state.denialStreak,
    approvalsRequired: state.approvalsRequired,
    callCount: state.callCount,
    callsInWindow: [...state.callsInWindow],
    lastAt: state.lastAt,
    updatedAt,
  };
}

const damaged = (taskId: string, field: string): Error =>
  new Error(`stored session of task \`${taskId.slice(0, 64)}\` has an invalid \`${field}\``);

function strings(taskId: string, field: string, v: unknown, max = Infinity): string[] {
  if (!Array.isArray(v) || v.length > max || !v.every((x) => typeof x === 'string'))
    throw damaged(taskId, field);
  return v as string[];
}

function count(taskId: string, field: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw damaged(taskId, field);
  return v as number;
}

function time(taskId: string, field: string, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw damaged(taskId, field);
  return v;
}

/**
 * The session state a stored record holds. Throws when the record is not one a session could
 * have written (unknown classification, wrong types, oversize lists).
 */
export function sessionFromRecord(record: TaskSessionRecord): SessionState {
  const id = record.taskId;
  let rank: number;
  try {
    rank = classificationRank(record.highestClassification);
  } catch {
    throw damaged(id, 'highestClassification');
  }
  const toSet = (values: string[]): AppendOnlySet =>
    values.reduce((s, v) => s.with(v), AppendOnlySet.empty());
  const window = record.callsInWindow as unknown;
  if (
    !Array.isArray(window) ||
    window.length > MAX_WINDOW_CALLS ||
    !window.every((t) => typeof t === 'number' && Number.isFinite(t))
  )
    throw damaged(id, 'callsInWindow');
  return Object.freeze({
    taskId: id,
    toolsCalled: toSet(strings(id, 'toolsCalled', record.toolsCalled)),
    recentTools: Object.freeze([
      ...strings(id, 'recentTools', record.recentTools, RECENT_TOOLS_LIMIT),
    ]),
    highestClassification: record.highestClassification as SessionState['highestClassification'],
    highestClassificationRank: rank,
    externalDestinations: toSet(strings(id, 'externalDestinations', record.externalDestinations)),
    firstExternalAt: time(id, 'firstExternalAt', record.firstExternalAt),
    denials: count(id, 'denials', record.denials),
    denialStreak: count(id, 'denialStreak', record.denialStreak),
    approvalsRequired: count(id, 'approvalsRequired', record.approvalsRequired),
    callCount: count(id, 'callCount', record.callCount),
    callsInWindow: Object.freeze([...(window as number[])].sort((a, b) => a - b)),
    lastAt: time(id, 'lastAt', record.lastAt),
    last: null,
  });
}
