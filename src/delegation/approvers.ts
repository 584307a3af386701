import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { ApprovalRecord, Store } from '../core/store/index.js';
import { actorOf, type Human } from '../humans/human.js';
import type { ApprovalService } from './approvals.js';

/**
 * Who may answer a per-call approval:
 *
 * 1. the admin (the admin token or the local admin sign-in);
 * 2. the resource owner: the human an on-behalf-of task acts for (its grant's human) — the call
 *    spends their resources, so they answer for it, even when they also own the agent;
 * 3. a member of one of the configured `approverGroups` — except the agent's owner
 *    (`AgentRecord.owner`) for their own agent's calls, unless `allowOwnerSelfApproval` is set;
 * 4. with `allowOwnerSelfApproval`, the agent's owner.
 *
 * Anyone else is refused with the reason, and the refusal is audited.
 */
export interface ApproverRules {
  approverGroups: readonly string[];
  allowOwnerSelfApproval: boolean;
}

/** The humans an approval concerns. */
export interface ApprovalParties {
  /** The human the task acts for (on-behalf-of tasks), else null. */
  resourceOwner: string | null;
  /** The owner of the agent that made the call, when known. */
  agentOwner: string | null;
}

export type Verdict =
  | { ok: true; as: 'admin' | 'resource_owner' | 'approver_group' | 'agent_owner' }
  | { ok: false; reason: string };

export function mayApprove(h: Human, parties: ApprovalParties, rules: ApproverRules): Verdict {
  if (h.admin) return { ok: true, as: 'admin' };
  if (parties.resourceOwner !== null && parties.resourceOwner === h.id)
    return { ok: true, as: 'resource_owner' };
  const ownsAgent = parties.agentOwner !== null && parties.agentOwner === h.id;
  if (ownsAgent && rules.allowOwnerSelfApproval) return { ok: true, as: 'agent_owner' };
  const inGroup = h.groups.some((g) => rules.approverGroups.includes(g));
  if (inGroup && ownsAgent)
    return {
      ok: false,
      reason: `\`${h.id}\` owns the agent that made this call, and an agent's owner may not approve its own agent's calls (allowOwnerSelfApproval is off)`,
    };
  if (inGroup) return { ok: true, as: 'approver_group' };
  const who = [
    parties.resourceOwner ? `the human the task acts for (\`${parties.resourceOwner}\`)` : null,
    rules.approverGroups.length
      ? `a member of ${rules.approverGroups.map((g) => `\`${g}\``).join(', ')}`
      : null,
  ].filter(Boolean);
  return {
    ok: false,
    reason: `\`${h.id}\` may not answer this approval: ${who.length ? `it is for ${who.join(' or ')}` : 'no approver groups are configured and the task acts for no human'}`,
  };
}

/**
 * Humans answering approvals: the rule above over the store's facts (the approval's task and
 * agent), then `ApprovalService.decide` with `by` = `admin` or `human:<id>`.
 */
export class HumanApprovals {
  constructor(
    private readonly store: Store,
    private readonly approvals: ApprovalService,
    private readonly rules: ApproverRules,
  ) {}

  async parties(a: ApprovalRecord): Promise<ApprovalParties> {
    const task = await this.store.read.tasks.get(a.taskId);
    const agent = await this.store.read.agents.getBySpiffeId(a.agent);
    return { resourceOwner: task?.grantId ? task.subject : null, agentOwner: agent?.owner ?? null };
  }

  async verdict(h: Human, a: ApprovalRecord): Promise<Verdict> {
    if (h.admin) return { ok: true, as: 'admin' };
    return mayApprove(h, await this.parties(a), this.rules);
  }

  /** Approvals still pending that `h` may answer, newest first. */
  async answerable(h: Human, limit = 200): Promise<ApprovalRecord[]> {
    const out: ApprovalRecord[] = [];
    for (const a of await this.approvals.list({ status: 'pending', limit: 1000 })) {
      if (out.length >= limit) break;
      if ((await this.verdict(h, a)).ok) out.push(a);
    }
    return out;
  }

  /** Answers an approval as `h`; `forbidden` with the reason (audited) when `h` may not. */
  async decide(
    id: string,
    h: Human,
    approve: boolean,
    note: string | undefined,
    ctx: RequestContext,
  ): Promise<ApprovalRecord> {
    const a = await this.approvals.get(id);
    if (!a) throw new MandateError('not_found', `no approval \`${id.slice(0, 80)}\``, { id });
    const verdict = await this.verdict(h, a);
    if (!verdict.ok) {
      await this.store.transaction((tx) =>
        tx.audit.append({
          actor: actorOf(h),
          action: approve ? 'approval.approve' : 'approval.deny',
          target: a.id,
          outcome: 'denied',
          requestId: ctx.requestId,
          details: { agent: a.agent, task: a.taskId, target: a.target, reason: verdict.reason },
        }),
      );
      throw new MandateError('forbidden', verdict.reason, { id, reason: 'not_an_approver' });
    }
    return this.approvals.decide(id, {
      approve,
      by: actorOf(h),
      ...(note ? { note } : {}),
      requestId: ctx.requestId,
    });
  }
}
