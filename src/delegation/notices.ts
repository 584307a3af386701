import type { ApprovalRecord, GrantRecord, GrantRequestRecord } from '../core/store/index.js';
import type { WebhookEvent } from './webhook.js';

/**
 * What humans and agents are told when delegation state changes: the webhook event types and
 * their payloads. A payload names what changed and links where to act on it; it never carries a
 * token, a secret or a call's arguments (only their digest).
 *
 * | type | when |
 * |---|---|
 * | `grant_request.created` | an agent asked a human for access |
 * | `grant_request.approved` / `grant_request.denied` | the human answered (approved possibly narrowed) |
 * | `grant.narrowed` / `grant.revoked` | a grant was narrowed or revoked |
 * | `approval.requested` | a call waits for a human's approval |
 * | `approval.approved` / `approval.denied` / `approval.used` | it was answered, or spent by the identical call |
 */
export type NoticeSink = (event: WebhookEvent) => void;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class DelegationNotices {
  constructor(
    private readonly issuer: string,
    private readonly sink: NoticeSink | null,
    /** Told of each grant change after it commits, as a record (SSF `token-claims-change`); it must not throw. */
    private readonly onGrant: (type: 'narrowed' | 'revoked', grant: GrantRecord) => void = () =>
      undefined,
    /** The risk and restrictions in force for a pending approval's task and agent (docs/signals.md), told with `approval.requested`. */
    private readonly inForce?: (a: ApprovalRecord) => {
      risk: number;
      restrictions: readonly string[];
    },
  ) {}

  grantRequest(
    type: 'created' | 'approved' | 'denied',
    r: GrantRequestRecord,
    grant?: GrantRecord,
  ): void {
    this.emit(`grant_request.${type}`, {
      id: r.id,
      status: r.status,
      agent: r.agent,
      human: r.human,
      scopes: r.scopes,
      purpose: r.purpose,
      duration_seconds: r.durationSeconds,
      expires_at: iso(r.expiresAt),
      decided_by: r.decidedBy,
      ...(grant ? { grant: grantData(grant) } : {}),
      inbox_url: `${this.issuer}/inbox`,
    });
  }

  grant(type: 'narrowed' | 'revoked', g: GrantRecord, by: string): void {
    this.emit(`grant.${type}`, { ...grantData(g), by });
    try {
      this.onGrant(type, g);
    } catch {
      // as for the webhook: the change stands whatever a listener does
    }
  }

  approval(a: ApprovalRecord): void {
    const type = a.status === 'pending' ? 'requested' : a.status;
    // An approver must see every restriction in force (read_only too), not only the policy that asked.
    const standing = a.status === 'pending' ? this.#standing(a) : undefined;
    this.emit(`approval.${type}`, {
      id: a.id,
      status: a.status,
      agent: a.agent,
      task_id: a.taskId,
      target: a.target,
      arguments_digest: a.argumentsDigest,
      reasons: a.reasons,
      policy_set_version: a.policySetVersion,
      expires_at: iso(a.expiresAt),
      decided_by: a.decidedBy,
      approve_url: `${this.issuer}/v1/approvals/${a.id}/approve`,
      inbox_url: `${this.issuer}/inbox`,
      ...(standing ? { risk: standing.risk, restrictions: [...standing.restrictions] } : {}),
    });
  }

  #standing(a: ApprovalRecord): { risk: number; restrictions: readonly string[] } | undefined {
    try {
      return this.inForce?.(a);
    } catch {
      return undefined; // a notice never fails the approval it tells about
    }
  }

  private emit(type: string, data: Record<string, unknown>): void {
    try {
      this.sink?.({ type, data });
    } catch {
      // telling someone must never fail or undo the change itself
    }
  }
}

function grantData(g: GrantRecord) {
  return {
    id: g.id,
    human: g.human,
    agent: g.agent,
    scopes: g.scopes,
    purpose: g.purpose,
    status: g.status,
    expires_at: iso(g.expiresAt),
  };
}
