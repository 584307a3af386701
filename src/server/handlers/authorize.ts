import { z } from 'zod';
import type { AuthorizeResult } from '../../policy/decision-service.js';
import type { Principal } from '../../gateway/task-token-verifier.js';
import { taskTokenVerifiers } from '../task-token-auth.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';

/**
 * The decision endpoints: Mandate's own `POST /v1/authorize`, the OpenID AuthZEN Authorization
 * API 1.0 (`POST /access/v1/evaluation`, `POST /access/v1/evaluations`, the PDP metadata at
 * `/.well-known/authzen-configuration`); the tool catalog's admin API is in ./tools.ts. Callers are
 * enforcement points authenticated with the admin token; the agent's task token travels in the
 * body and is verified here for the audience the caller enforces for.
 */

/** Verifies a task token with the SDK verifier over the trust domain's own keys and revocation registry. */
function verifyToken(
  mandate: Mandate,
  token: string,
  audience: string,
): Promise<{ principal: Principal } | { error: string }> {
  return taskTokenVerifiers(mandate).verify(token, audience);
}

/** A deny for a call that never reached the decision point (bad token, bad request); not audited. */
const rejected = (message: string) => ({
  decision: 'deny' as const,
  decision_id: null,
  reasons: [] as string[],
  errors: [{ policy: '', message }],
  policy_set_version: null,
});

const toJson = (r: AuthorizeResult) => ({
  decision: r.outcome,
  decision_id: r.decisionId,
  reasons: r.reasons,
  errors: r.errors,
  policy_set_version: r.policySetVersion,
  inputs_digest: r.inputsDigest,
});

const authorizeBody = z.object({
  token: z
    .string()
    .min(1)
    .max(16 * 1024),
  audience: z.string().min(1).max(2048),
  tool: z.string().min(1).max(256),
  arguments: z.record(z.string(), z.unknown()).optional(),
  approved: z.boolean().optional(),
});

export const authorize = route({
  method: 'POST',
  url: '/v1/authorize',
  auth: 'admin',
  audit: 'decision',
  summary:
    "Decide one tool call by the holder of a task token (Mandate's shape): allow, deny or approval_required",
  tag: 'policy',
  body: authorizeBody,
  responses: {
    200: 'The decision (a token that does not verify is a deny with the reason in `errors` and no `decision_id`)',
    400: 'Malformed request',
  },
  async handler({ mandate, body, ctx }) {
    const v = await verifyToken(mandate, body.token, body.audience);
    if ('error' in v) return rejected(v.error);
    const result = await mandate.decisions.authorize({
      principal: v.principal,
      toolId: body.tool,
      arguments: body.arguments ?? {},
      approved: body.approved === true,
      requestId: ctx.requestId,
    });
    return toJson(result);
  },
});

// --- AuthZEN Authorization API 1.0 ---------------------------------------------------------

const entity = z.looseObject({
  type: z.string().min(1),
  id: z.string().min(1),
  properties: z.record(z.string(), z.unknown()).optional(),
});
const action = z.looseObject({
  name: z.string().min(1),
  properties: z.record(z.string(), z.unknown()).optional(),
});
const context = z.record(z.string(), z.unknown());
const evaluationBody = z.object({
  subject: entity,
  action,
  resource: entity,
  context: context.optional(),
});
const SEMANTICS = ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] as const;
const evaluationsBody = z.object({
  subject: entity.optional(),
  action: action.optional(),
  resource: entity.optional(),
  context: context.optional(),
  evaluations: z
    .array(
      z.object({
        subject: entity.optional(),
        action: action.optional(),
        resource: entity.optional(),
        context: context.optional(),
      }),
    )
    .max(1000)
    .optional(),
  options: z.looseObject({ evaluations_semantic: z.enum(SEMANTICS).optional() }).optional(),
});

type Evaluation = z.infer<typeof evaluationBody>;
interface EvaluationResponse {
  decision: boolean;
  context: Record<string, unknown>;
}

const denied = (reason: string): EvaluationResponse => ({
  decision: false,
  context: { decision_id: null, outcome: 'deny', reason_admin: { en: reason } },
});

/**
 * One AuthZEN evaluation. Mapping (docs/policy.md): `subject` `{type: "agent", id: <SPIFFE ID of
 * the acting agent>, properties: {token: <task token>}}`; `action.name` `call_tool`; `resource`
 * `{type: "tool", id: "<server>/<tool>"}`; `context.audience` (required: the resource the caller
 * enforces for), `context.arguments`, `context.approved`. `approval_required` is `decision: false`
 * with `context.outcome: "approval_required"`.
 */
async function evaluate(
  mandate: Mandate,
  e: Evaluation,
  requestId: string | null,
): Promise<EvaluationResponse> {
  if (e.subject.type !== 'agent') return denied('subject.type must be `agent`');
  if (e.action.name !== 'call_tool') return denied('action.name must be `call_tool`');
  if (e.resource.type !== 'tool') return denied('resource.type must be `tool`');
  const token = e.subject.properties?.token;
  if (typeof token !== 'string' || token.length === 0)
    return denied("subject.properties.token must hold the agent's task token");
  const audience = e.context?.audience;
  if (typeof audience !== 'string' || audience.length === 0)
    return denied('context.audience must name the resource the enforcement point protects');
  const args = e.context?.arguments ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return denied('context.arguments must be an object');
  const v = await verifyToken(mandate, token, audience);
  if ('error' in v) return denied(v.error);
  if (v.principal.actor !== e.subject.id)
    return denied('subject.id is not the acting agent of the task token');
  const r = await mandate.decisions.authorize({
    principal: v.principal,
    toolId: e.resource.id,
    arguments: args as Record<string, unknown>,
    approved: e.context?.approved === true,
    requestId,
  });
  const reason =
    r.outcome === 'allow'
      ? `allowed by ${r.reasons.join(', ')}`
      : r.reasons.length > 0
        ? `${r.outcome === 'deny' ? 'denied' : 'needs approval'} by ${r.reasons.join(', ')}`
        : 'denied: no policy permits the call';
  return {
    decision: r.outcome === 'allow',
    context: {
      decision_id: r.decisionId,
      outcome: r.outcome,
      reason_admin: { en: reason },
      reasons: r.reasons,
      errors: r.errors,
      policy_set_version: r.policySetVersion,
    },
  };
}

export const accessEvaluation = route({
  method: 'POST',
  url: '/access/v1/evaluation',
  auth: 'admin',
  audit: 'decision',
  summary: 'AuthZEN 1.0 Access Evaluation: one tool call by an agent holding a task token',
  tag: 'policy',
  body: evaluationBody,
  responses: { 200: '`{decision, context}`', 400: 'Malformed request' },
  async handler({ mandate, body, ctx }) {
    return evaluate(mandate, body, ctx.requestId);
  },
});

export const accessEvaluations = route({
  method: 'POST',
  url: '/access/v1/evaluations',
  auth: 'admin',
  audit: 'decision',
  summary: 'AuthZEN 1.0 Access Evaluations: a batch, in order, with `options.evaluations_semantic`',
  tag: 'policy',
  body: evaluationsBody,
  responses: {
    200: '`{evaluations: [{decision, context}]}`, or `{decision, context}` when `evaluations` is absent or empty',
    400: 'Malformed request',
  },
  async handler({ mandate, body, ctx }) {
    const items = body.evaluations ?? [];
    const defaults = {
      subject: body.subject,
      action: body.action,
      resource: body.resource,
      context: body.context,
    };
    const complete = (item: Partial<Evaluation>): Evaluation | string => {
      const merged = {
        subject: item.subject ?? defaults.subject,
        action: item.action ?? defaults.action,
        resource: item.resource ?? defaults.resource,
        context: item.context ?? defaults.context,
      };
      const missing = (['subject', 'action', 'resource'] as const).filter(
        (k) => merged[k] === undefined,
      );
      return missing.length > 0
        ? `missing ${missing.join(', ')} (neither in the evaluation nor as a default)`
        : (merged as Evaluation);
    };
    // No `evaluations`: the request is a single Access Evaluation, answered as one.
    if (items.length === 0) {
      const one = complete({});
      return typeof one === 'string' ? denied(one) : evaluate(mandate, one, ctx.requestId);
    }
    const semantic = body.options?.evaluations_semantic ?? 'execute_all';
    const evaluations: EvaluationResponse[] = [];
    // In order, one after another: each call is recorded in its task's session before the next is decided.
    for (const item of items) {
      const e = complete(item);
      const r = typeof e === 'string' ? denied(e) : await evaluate(mandate, e, ctx.requestId);
      evaluations.push(r);
      if (semantic === 'deny_on_first_deny' && !r.decision) break;
      if (semantic === 'permit_on_first_permit' && r.decision) break;
    }
    return { evaluations };
  },
});

export const authzenConfiguration = route({
  method: 'GET',
  url: '/.well-known/authzen-configuration',
  auth: 'none',
  audit: null,
  summary: 'AuthZEN 1.0 PDP metadata',
  tag: 'discovery',
  responses: { 200: 'PDP metadata' },
  async handler({ mandate }) {
    const base = mandate.config.issuer;
    return {
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
    };
  },
});
