import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import { parseSince } from '../../audit/export.js';
import type { ShadowDisagreement } from '../../policy/decision-service.js';
import type { ReplayChange } from '../../policy/replay.js';
import type { PolicySetRecord } from '../../core/store/index.js';
import { route } from '../route.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const summary = (s: PolicySetRecord) => ({
  version: s.version,
  status: s.status,
  digest: s.digest,
  files: s.files.map((f) => f.name),
  created_at: iso(s.createdAt),
  created_by: s.createdBy,
  activated_at: iso(s.activatedAt),
});
const files = z
  .array(z.object({ name: z.string().max(256), text: z.string().max(1_000_000) }).strict())
  .max(256);
const version = z.object({ version: z.coerce.number().int().positive() });

export const validatePolicies = route({
  method: 'POST',
  url: '/v1/policies/validate',
  auth: 'admin',
  audit: null,
  summary:
    "Validate policy files against Mandate's schema without storing them; errors carry file, line and column",
  tag: 'policies',
  body: z.object({ files }).strict(),
  responses: { 200: '{ valid, errors }' },
  async handler({ mandate, body }) {
    return mandate.policyStore.validate(body.files);
  },
});

export const createPolicySet = route({
  method: 'POST',
  url: '/v1/policies',
  auth: 'admin',
  audit: 'policy.create',
  summary:
    'Store policy files as a new policy-set version (not active until activated); invalid files are refused with located errors',
  tag: 'policies',
  body: z.object({ files }).strict(),
  responses: {
    201: 'The new version',
    400: 'Invalid policies (`errors` lists file, line, column, message)',
  },
  async handler({ mandate, body, ctx, reply }) {
    const set = await mandate.policyStore.create(body.files, ctx);
    reply.status(201);
    return summary(set);
  },
});

export const listPolicySets = route({
  method: 'GET',
  url: '/v1/policies',
  auth: 'admin',
  audit: null,
  summary: 'List policy-set versions and which one is active',
  tag: 'policies',
  responses: { 200: 'Versions, oldest first' },
  async handler({ mandate }) {
    return {
      active: mandate.policyStore.activeSet()?.version ?? 0,
      policy_sets: (await mandate.policyStore.list()).map(summary),
    };
  },
});

export const diffPolicySets = route({
  method: 'GET',
  url: '/v1/policies/diff',
  auth: 'admin',
  audit: null,
  summary:
    'What changes from one version to another: a line diff per file and the policy ids added, removed or changed (version 0 is the default pack)',
  tag: 'policies',
  query: z.object({
    from: z.coerce.number().int().nonnegative(),
    to: z.coerce.number().int().nonnegative(),
  }),
  responses: { 200: 'The diff', 404: 'No such version' },
  async handler({ mandate, query }) {
    return {
      from: query.from,
      to: query.to,
      ...(await mandate.policyStore.diff(query.from, query.to)),
    };
  },
});

export const rollbackPolicySet = route({
  method: 'POST',
  url: '/v1/policies/rollback',
  auth: 'admin',
  audit: 'policy.rollback',
  summary: 'Activate the version before the active one',
  tag: 'policies',
  responses: { 200: 'The version now active', 409: 'Nothing to roll back to' },
  async handler({ mandate, ctx }) {
    return summary(await mandate.policyStore.rollback(ctx));
  },
});

export const showPolicySet = route({
  method: 'GET',
  url: '/v1/policies/:version',
  auth: 'admin',
  audit: null,
  summary: 'One policy-set version with its files',
  tag: 'policies',
  params: version,
  responses: { 200: 'The version and its files', 404: 'No such version' },
  async handler({ mandate, params }) {
    const set = await mandate.policyStore.get(params.version);
    if (!set)
      throw new MandateError('not_found', `policy set \`${params.version}\` does not exist`);
    return { ...summary(set), files: set.files };
  },
});

export const activatePolicySet = route({
  method: 'POST',
  url: '/v1/policies/:version/activate',
  auth: 'admin',
  audit: 'policy.activate',
  summary: 'Make a version the active policy set, atomically',
  tag: 'policies',
  params: version,
  responses: { 200: 'The version now active', 404: 'No such version' },
  async handler({ mandate, params, ctx }) {
    return summary(await mandate.policyStore.activate(params.version, ctx));
  },
});

const change = (c: ReplayChange) => ({
  decision_id: c.decisionId,
  time: iso(c.time),
  before: c.before,
  after: c.after,
  reasons_before: c.reasonsBefore,
  reasons_after: c.reasonsAfter,
});
const disagreement = (d: ShadowDisagreement) => ({
  decision_id: d.decisionId,
  time: iso(d.time),
  tool: d.toolId,
  task: d.taskId,
  live: d.live,
  shadow: d.shadow,
  live_reasons: d.liveReasons,
  shadow_reasons: d.shadowReasons,
  live_version: d.liveVersion,
  shadow_version: d.shadowVersion,
});

export const replayPolicies = route({
  method: 'POST',
  url: '/v1/policies/replay',
  auth: 'admin',
  audit: null,
  summary:
    'Re-decide the decisions recorded since a time with candidate policy files; lists exactly those whose outcome would change, with the determining policies before and after',
  tag: 'policies',
  body: z.object({ files, since: z.string().max(64).default('24h') }).strict(),
  responses: {
    200: '{ total, changed: [{ decision_id, time, before, after, reasons_before, reasons_after }] }',
    400: 'Invalid policies or `since`',
  },
  async handler({ mandate, body }) {
    const sinceTime = parseSince(body.since, mandate.clock.now());
    if (sinceTime === undefined)
      throw new MandateError(
        'invalid_request',
        `\`since\` must be an ISO 8601 time or a duration such as 24h, got \`${body.since}\``,
      );
    const report = await mandate.policyTrials.replay(body.files, sinceTime);
    return { since: iso(sinceTime), total: report.total, changed: report.changed.map(change) };
  },
});

export const setShadowPolicySet = route({
  method: 'POST',
  url: '/v1/policies/:version/shadow',
  auth: 'admin',
  audit: 'policy.shadow',
  summary:
    'Evaluate a stored version beside the active one on every decision (never affecting the answer); disagreements are kept in memory',
  tag: 'policies',
  params: version,
  responses: { 200: '{ shadow: version }', 404: 'No such version' },
  async handler({ mandate, params, ctx }) {
    await mandate.policyTrials.shadow(params.version, ctx);
    return { shadow: params.version };
  },
});

export const clearShadowPolicySet = route({
  method: 'DELETE',
  url: '/v1/policies/shadow',
  auth: 'admin',
  audit: 'policy.shadow',
  summary: 'Stop evaluating a shadow policy set (its disagreements are dropped)',
  tag: 'policies',
  responses: { 200: '{ shadow: null }' },
  async handler({ mandate, ctx }) {
    await mandate.policyTrials.clearShadow(ctx);
    return { shadow: null };
  },
});

export const listShadowDisagreements = route({
  method: 'GET',
  url: '/v1/policies/shadow/disagreements',
  auth: 'admin',
  audit: null,
  summary:
    'Decisions on which the shadow policy set disagreed with the active one, oldest first (in memory, bounded)',
  tag: 'policies',
  responses: { 200: '{ shadow, disagreements }' },
  async handler({ mandate }) {
    return {
      shadow: mandate.decisions.shadow?.version ?? null,
      disagreements: mandate.decisions.shadowDisagreements().map(disagreement),
    };
  },
});
