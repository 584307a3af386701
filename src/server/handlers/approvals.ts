import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { ApprovalRecord } from '../../core/store/index.js';
import { LocalTaskTokenVerifiers } from '../../gateway/task-token-verifier.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';

/**
 * Per-call approvals (src/delegation/approvals.ts). Operators list and answer them with the
 * admin token; the agent polls one's status with the task token it made the call with
 * (CIBA-style polling: the status endpoint reveals nothing to anyone else).
 */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function approvalJson(a: ApprovalRecord) {
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
  };
}

const STATUSES = ['pending', 'approved', 'denied', 'used', 'expired'] as const;
const idParams = z.object({ id: z.string().min(1).max(80) });

export const listApprovals = route({
  method: 'GET',
  url: '/v1/approvals',
  auth: 'admin',
  audit: null,
  summary: 'List approvals, newest first',
  tag: 'approvals',
  query: z.object({ status: z.enum(STATUSES).optional(), agent: z.string().max(2048).optional(), task: z.string().max(80).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
  responses: { 200: 'Approvals' },
  async handler({ mandate, query }) {
    const list = await mandate.approvals.list({ ...(query.status ? { status: query.status } : {}), ...(query.agent ? { agent: query.agent } : {}), ...(query.task ? { taskId: query.task } : {}), ...(query.limit ? { limit: query.limit } : {}) });
    return { approvals: list.map(approvalJson) };
  },
});

export const showApproval = route({
  method: 'GET',
  url: '/v1/approvals/:id',
  auth: 'admin',
  audit: null,
  summary: 'Show one approval: what exactly it approves',
  tag: 'approvals',
  params: idParams,
  responses: { 200: 'The approval', 404: 'No such approval' },
  async handler({ mandate, params }) {
    const a = await mandate.approvals.get(params.id);
    if (!a) throw new MandateError('not_found', `no approval \`${params.id}\``, { id: params.id });
    return approvalJson(a);
  },
});

const answerBody = z.object({ note: z.string().max(1024).optional() }).optional();

function answer(approve: boolean) {
  return route({
    method: 'POST',
    url: `/v1/approvals/:id/${approve ? 'approve' : 'deny'}`,
    auth: 'admin',
    audit: approve ? 'approval.approve' : 'approval.deny',
    summary: approve ? 'Approve a pending approval: the identical call may then succeed once' : 'Deny a pending approval',
    tag: 'approvals',
    params: idParams,
    body: answerBody,
    responses: { 200: 'The approval as decided', 404: 'No such approval', 409: 'Not pending (decided, used or expired)' },
    async handler({ mandate, params, body, ctx }) {
      return approvalJson(await mandate.approvals.decide(params.id, { approve, by: 'admin', ...(body?.note ? { note: body.note } : {}), requestId: ctx.requestId }));
    },
  });
}

export const approveApproval = answer(true);
export const denyApproval = answer(false);

const verifiers = new WeakMap<Mandate, LocalTaskTokenVerifiers>();

export const approvalStatus = route({
  method: 'GET',
  url: '/v1/approvals/:id/status',
  auth: 'none',
  audit: null,
  summary: 'Poll an approval\'s status with the task token the call was made with (`Authorization: Bearer`)',
  tag: 'approvals',
  params: idParams,
  responses: { 200: '`{id, status, expires_at}`', 401: 'No task token, or one that does not verify for the call\'s resource', 404: 'No such approval for this task' },
  async handler({ mandate, params, request }) {
    const header = request.headers.authorization ?? '';
    const m = /^(?:Bearer|DPoP) ([A-Za-z0-9._~+/-]+=*)$/u.exec(header);
    if (!m) throw new MandateError('unauthorized', 'present the task token the call was made with as `Authorization: Bearer <token>`');
    const a = await mandate.approvals.get(params.id);
    let v = verifiers.get(mandate);
    if (!v) {
      v = new LocalTaskTokenVerifiers({ issuer: mandate.config.issuer, clock: mandate.clock, publishedKeys: () => mandate.keys.published('token'), revoked: (t) => mandate.revocations.check(t) });
      verifiers.set(mandate, v);
    }
    // The same answer for "no such approval" and "not your task": the id reveals nothing.
    const verified = a ? await v.verify(m[1] as string, a.audience) : undefined;
    if (verified && 'error' in verified) throw new MandateError('unauthorized', verified.error);
    if (!a || !verified || verified.principal.taskId !== a.taskId) throw new MandateError('not_found', `no approval \`${params.id}\` for this task`, { id: params.id });
    return { id: a.id, status: a.status, expires_at: iso(a.expiresAt) };
  },
});
