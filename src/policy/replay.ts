import type { AuditEventRecord, StoreReader } from '../core/store/index.js';
import { auditEvents } from '../audit/export.js';
import type { DecisionPoint, Outcome } from './decision-point.js';
import type { DecisionRequest } from './request.js';
import { guardRestrictions } from './restriction-guard.js';

/**
 * Replay (issue 4, item 8): re-decides recorded decisions with a candidate decision point and
 * reports exactly the ones whose outcome would change, with the determining policies before and
 * after. A `decision` audit event carries its full `DecisionRequest` in `details.request` (`now`
 * as ISO 8601), so it can be decided again; events written before that field existed are skipped.
 */

export interface RecordedDecision {
  decisionId: string;
  /** When it was decided (ms since the epoch). */
  time: number;
  outcome: Outcome;
  reasons: string[];
  policySetVersion: string;
  request: DecisionRequest;
}

export interface ReplayChange {
  decisionId: string;
  time: number;
  before: Outcome;
  after: Outcome;
  reasonsBefore: string[];
  reasonsAfter: string[];
}

export interface ReplayReport {
  /** Decisions re-decided. */
  total: number;
  /** The decisions whose outcome the candidate changes, in the order given. */
  changed: ReplayChange[];
}

const OUTCOMES = new Set<string>(['allow', 'deny', 'approval_required']);

/** The recorded decision of a `decision` audit event, or undefined when it cannot be re-decided. */
export function recordedDecisionOf(event: AuditEventRecord): RecordedDecision | undefined {
  if (event.action !== 'decision') return undefined;
  const d = event.details;
  const request = d.request as (Omit<DecisionRequest, 'now'> & { now: string }) | undefined;
  if (
    typeof d.decision_id !== 'string' ||
    typeof d.outcome !== 'string' ||
    !OUTCOMES.has(d.outcome) ||
    !request ||
    typeof request !== 'object' ||
    typeof request.now !== 'string'
  )
    return undefined;
  return {
    decisionId: d.decision_id,
    time: event.time,
    outcome: d.outcome as Outcome,
    reasons: Array.isArray(d.reasons) ? (d.reasons as string[]) : [],
    policySetVersion: String(d.policy_set_version ?? ''),
    request: { ...request, now: new Date(request.now) } as DecisionRequest,
  };
}

/** The recorded decisions audited at or after `sinceTime`, oldest first. */
export async function recordedDecisions(
  read: StoreReader,
  sinceTime?: number,
): Promise<RecordedDecision[]> {
  const out: RecordedDecision[] = [];
  for await (const event of auditEvents(read, sinceTime === undefined ? {} : { sinceTime })) {
    const d = recordedDecisionOf(event);
    if (d) out.push(d);
  }
  return out;
}

/** Re-decides each recorded decision with `candidate` (and the restriction guard, as live decisions are); lists those whose outcome changes. */
export function replay(
  decisions: Iterable<RecordedDecision>,
  candidate: DecisionPoint,
): ReplayReport {
  let total = 0;
  const changed: ReplayChange[] = [];
  for (const d of decisions) {
    total++;
    const after = guardRestrictions(d.request, candidate.authorize(d.request));
    if (after.outcome !== d.outcome)
      changed.push({
        decisionId: d.decisionId,
        time: d.time,
        before: d.outcome,
        after: after.outcome,
        reasonsBefore: d.reasons,
        reasonsAfter: after.reasons,
      });
  }
  return { total, changed };
}
