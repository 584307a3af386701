import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { ApprovalRecord, ApprovalStatus } from '../../core/store/index.js';
import { signedIn } from '../human-auth.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { authenticateTaskToken, refuse, taskTokenAuthenticator } from '../task-token-auth.js';

/**
 * Per-call approvals (src/delegation/approvals.ts). Operators list and answer them with the
 * admin token; the agent polls one's status with the task token it made the call with
 * (CIBA-style polling: the status endpoint reveals nothing to anyone else).
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * An approval as the API shows it. A pending one also shows the risk and every restriction in
 * force now for its task and agent (`inForce`: docs/signals.md), so an approver sees that, say,
 * `read_only` holds, not only the policy that asked for the approval.
 */
export function approvalJson(a: ApprovalRecord, inForce?: InForce) {
  const standing = a.status === 'pending' && inForce ? inForce(a) : undefined;
  return {
    id: a.id,
    status: a.status,
    agent: a.agent,
    task_id: a.taskId,
    target: a.target,
    arguments_digest: a.argumentsDigest,
    policy_set_version: a.policySetVersion,
    decision_id: a.decisionId,
    reasons: a.reasons,
    created_at: iso(a.createdAt),
    expires_at: iso(a.expiresAt),
    decided_at: iso(a.decidedAt),
    decided_by: a.decidedBy,
    used_at: iso(a.usedAt),
    note: a.note,
    ...(standing ? { risk: standing.risk, restrictions: [...standing.restrictions] } : {}),
  };
}

/** The risk and restrictions in force now for an approval's task and agent. */
export type InForce = (a: ApprovalRecord) => { risk: number; restrictions: readonly string[] };

/** `InForce` from a running Mandate's signals. */
export const inForceOf =
  (mandate: Mandate): InForce =>
  (a) =>
    mandate.signals.standing({ agent: a.agent, taskId: a.taskId, chain: [a.agent] });

const STATUSES = [
  'pending',
  'approved',
  'denied',
  'used',
  'expired',
  'revoked',
] as const satisfies readonly ApprovalStatus[];
const idParams = z.object({ id: z.string().min(1).max(80) });

export const listApprovals = route({
  method: 'GET',
  url: '/v1/approvals',
  auth: 'admin',
  audit: null,
  summary: 'List approvals, newest first',
  tag: 'approvals',
  query: z.object({
    status: z.enum(STATUSES).optional(),
    agent: z.string().max(2048).optional(),
    task: z.string().max(80).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  }),
  responses: { 200: 'Approvals' },
  async handler({ mandate, query }) {
    const list = await mandate.approvals.list({
      ...(query.status ? { status: query.status } : {}),
      ...(query.agent ? { agent: query.agent } : {}),
      ...(query.task ? { taskId: query.task } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return { approvals: list.map((a) => approvalJson(a, inForceOf(mandate))) };
  },
});

export const showApproval = route({
  method: 'GET',
  url: '/v1/approvals/:id',
  auth: 'human',
  audit: null,
  summary:
    'Show one approval: what exactly it approves (to the admin and to those who may answer it)',
  tag: 'approvals',
  params: idParams,
  responses: { 200: 'The approval', 404: 'No such approval (that you may answer)' },
  async handler({ mandate, params, human }) {
    const h = signedIn(human);
    const a = await mandate.approvals.get(params.id);
    if (!a || (!h.admin && !(await mandate.delegation.approvers.verdict(h, a)).ok))
      throw new MandateError('not_found', `no approval \`${params.id}\``, { id: params.id });
    return approvalJson(a, inForceOf(mandate));
  },
});

const answerBody = z.object({ note: z.string().max(1024).optional() }).optional();

function answer(approve: boolean) {
  return route({
    method: 'POST',
    url: `/v1/approvals/:id/${approve ? 'approve' : 'deny'}`,
    auth: 'human',
    audit: approve ? 'approval.approve' : 'approval.deny',
    summary: approve
      ? 'Approve a pending approval (the admin, the human the task acts for, or an approver-group member): the identical call may then succeed once'
      : 'Deny a pending approval (who may: as for approve)',
    tag: 'approvals',
    params: idParams,
    body: answerBody,
    responses: {
      200: 'The approval as decided',
      403: 'This human may not answer it (the reason says why)',
      404: 'No such approval',
      409: 'Not pending (decided, used or expired)',
    },
    async handler({ mandate, params, body, ctx, human }) {
      return approvalJson(
        await mandate.delegation.approvers.decide(
          params.id,
          signedIn(human),
          approve,
          body?.note,
          ctx,
        ),
        inForceOf(mandate),
      );
    },
  });
}

export const approveApproval = answer(true);
export const denyApproval = answer(false);

export const approvalStatus = route({
  method: 'GET',
  url: '/v1/approvals/:id/status',
  auth: 'none',
  audit: null,
  summary:
    "Poll an approval's status with the task token the call was made with (`Authorization: Bearer`, or DPoP with a proof)",
  tag: 'approvals',
  params: idParams,
  responses: {
    200: '`{id, status, expires_at}`',
    401: 'No task token (`WWW-Authenticate` says how to send one)',
    404: "No such approval for this token: the same answer whether the id is unknown or the token is not one of the call's task",
  },
  async handler({ mandate, params, request, reply }) {
    const statusUrl = `${mandate.config.issuer}/v1/approvals/${params.id}/status`;
    if ((request.raw.headersDistinct.authorization ?? []).length === 0)
      return refuse(
        reply,
        taskTokenAuthenticator(mandate, null).refusal(
          'missing_token',
          'send the task token the call was made with',
          'Bearer',
        ),
      );
    const a = await mandate.approvals.get(params.id);
    // One answer for an unknown id, a token that does not verify for the call's resource, and a
    // token of another task: the status endpoint tells nothing to anyone but the task's holder.
    const who = a
      ? await authenticateTaskToken(mandate, request, {
          audience: a.audience,
          method: 'GET',
          url: statusUrl,
        })
      : undefined;
    if (who && 'refusal' in who && who.refusal.code === 'use_dpop_nonce')
      return refuse(reply, who.refusal);
    if (!a || !who || 'refusal' in who || who.principal.taskId !== a.taskId)
      throw new MandateError('not_found', `no approval \`${params.id}\` for this task`, {
        id: params.id,
      });
    return { id: a.id, status: a.status, expires_at: iso(a.expiresAt) };
  },
});
