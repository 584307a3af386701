import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { PolicySetRecord } from '../../core/store/index.js';
import { route } from '../route.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const summary = (s: PolicySetRecord) => ({ version: s.version, status: s.status, digest: s.digest, files: s.files.map((f) => f.name), created_at: iso(s.createdAt), created_by: s.createdBy, activated_at: iso(s.activatedAt) });
const files = z.array(z.object({ name: z.string().max(256), text: z.string().max(1_000_000) }).strict()).max(256);
const version = z.object({ version: z.coerce.number().int().positive() });

export const validatePolicies = route({
  method: 'POST',
  url: '/v1/policies/validate',
  auth: 'admin',
  audit: null,
  summary: 'Validate policy files against Mandate\'s schema without storing them; errors carry file, line and column',
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
  summary: 'Store policy files as a new policy-set version (not active until activated); invalid files are refused with located errors',
  tag: 'policies',
  body: z.object({ files }).strict(),
  responses: { 201: 'The new version', 400: 'Invalid policies (`errors` lists file, line, column, message)' },
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
    return { active: mandate.policyStore.activeSet()?.version ?? 0, policy_sets: (await mandate.policyStore.list()).map(summary) };
  },
});

export const diffPolicySets = route({
  method: 'GET',
  url: '/v1/policies/diff',
  auth: 'admin',
  audit: null,
  summary: 'What changes from one version to another: a line diff per file and the policy ids added, removed or changed (version 0 is the default pack)',
  tag: 'policies',
  query: z.object({ from: z.coerce.number().int().nonnegative(), to: z.coerce.number().int().nonnegative() }),
  responses: { 200: 'The diff', 404: 'No such version' },
  async handler({ mandate, query }) {
    return { from: query.from, to: query.to, ...(await mandate.policyStore.diff(query.from, query.to)) };
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
    if (!set) throw new MandateError('not_found', `policy set \`${params.version}\` does not exist`);
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
