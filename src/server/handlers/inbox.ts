import { z } from 'zod';
import { MandateError } from '../../core/errors.js';
import type { Human } from '../../humans/human.js';
import { cookieNames, readCookie, signedIn } from '../human-auth.js';
import type { Mandate } from '../mandate.js';
import { route } from '../route.js';
import { approvalJson, inForceOf } from './approvals.js';
import { grantRequestJson } from './grant-requests.js';
import { inboxPage, PAGE_CSP, signInPage } from './inbox-page.js';

/**
 * A human's inbox: the grant requests addressed to them, the approvals they may answer, and their
 * active grants — as JSON (`GET /v1/inbox`) and as a small HTML page (`/inbox`) whose forms
 * approve (possibly narrowed), deny, narrow and revoke.
 */

const iso = (ms: number) => new Date(ms).toISOString();

async function inboxOf(mandate: Mandate, h: Human) {
  const d = mandate.delegation;
  const [requests, approvals, grants] = await Promise.all([
    d.requests.list({ ...(h.admin ? {} : { human: h.id }), status: 'pending', limit: 200 }),
    d.approvers.answerable(h),
    d.grants.list({ ...(h.admin ? {} : { human: h.id }), status: 'active' }),
  ]);
  return { requests, approvals, grants };
}

export const inbox = route({
  method: 'GET',
  url: '/v1/inbox',
  auth: 'human',
  audit: null,
  summary:
    "The signed-in human's inbox: pending grant requests addressed to them, pending approvals they may answer, their active grants",
  tag: 'humans',
  responses: { 200: '`{human, grant_requests, approvals, grants}`', 401: 'Not signed in' },
  async handler({ mandate, human }) {
    const h = signedIn(human);
    const { requests, approvals, grants } = await inboxOf(mandate, h);
    return {
      human: { id: h.id, groups: h.groups, admin: h.admin },
      grant_requests: requests.map(grantRequestJson),
      approvals: approvals.map((a) => approvalJson(a, inForceOf(mandate))),
      grants: grants.map((g) => ({
        id: g.id,
        agent: g.agent,
        human: g.human,
        scopes: g.scopes,
        purpose: g.purpose,
        status: g.status,
        expires_at: iso(g.expiresAt),
      })),
    };
  },
});

export const inboxHtml = route({
  method: 'GET',
  url: '/inbox',
  auth: 'none',
  audit: null,
  summary: 'The inbox as an HTML page (a sign-in page when not signed in)',
  tag: 'humans',
  hidden: true,
  query: z.object({ done: z.string().max(200).optional(), error: z.string().max(500).optional() }),
  responses: { 200: { description: 'The page', contentType: 'text/html' } },
  async handler({ mandate, query, request, reply }) {
    const id = readCookie(request, cookieNames(mandate.config.issuer).session);
    const h = id === undefined ? undefined : await mandate.delegation.sessions.resolve(id);
    const html = h
      ? inboxPage({
          human: h,
          ...(await inboxOf(mandate, h)),
          inForce: inForceOf(mandate),
          message: query.done,
          error: query.error,
        })
      : signInPage(mandate.delegation.signIn !== null);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .send(html);
  },
});

const positive = (v: string | null): number | undefined => {
  if (v === null || v === '') return undefined;
  if (!/^\d{1,9}$/u.test(v) || Number(v) < 1)
    throw new MandateError(
      'invalid_request',
      '`ttl` must be a whole number of seconds, at least 1',
    );
  return Number(v);
};

export const inboxAct = route<URLSearchParams>({
  method: 'POST',
  url: '/inbox/act',
  auth: 'human',
  audit:
    'grant_request.approve / grant_request.deny / approval.approve / approval.deny / grant.narrow / grant.revoke',
  summary:
    "The inbox page's forms: `kind` (grant_request, approval, grant), `id`, `action` (approve, deny, narrow, revoke), `scope` (repeated), `ttl`, `note`",
  tag: 'humans',
  hidden: true,
  form: true,
  responses: { 303: 'Back to /inbox, with what was done or what went wrong' },
  async handler({ mandate, body, ctx, human, reply }) {
    const h = signedIn(human);
    const d = mandate.delegation;
    const id = body.get('id') ?? '';
    const note = body.get('note') || undefined;
    let done: string;
    try {
      switch (`${body.get('kind')}:${body.get('action')}`) {
        case 'grant_request:approve': {
          const { grant } = await d.requests.approve(
            id,
            h,
            { scopes: body.getAll('scope'), durationSeconds: positive(body.get('ttl')), note },
            ctx,
          );
          done = `approved: grant ${grant.id} (${grant.scopes.join(' ')}) until ${iso(grant.expiresAt)}`;
          break;
        }
        case 'grant_request:deny':
          await d.requests.deny(id, h, note, ctx);
          done = 'denied the grant request';
          break;
        case 'approval:approve':
        case 'approval:deny': {
          const a = await d.approvers.decide(id, h, body.get('action') === 'approve', note, ctx);
          done = `${a.status} the call to ${a.target}`;
          break;
        }
        case 'grant:narrow': {
          const { grant, endedTasks } = await d.grants.narrow(
            id,
            h,
            { scopes: body.getAll('scope'), ttlSeconds: positive(body.get('ttl')) },
            ctx,
          );
          done = `narrowed grant ${grant.id} to ${grant.scopes.join(' ')} until ${iso(grant.expiresAt)}; ${endedTasks.length} task(s) ended`;
          break;
        }
        case 'grant:revoke':
          await d.grants.revoke(id, h, ctx);
          done = `revoked grant ${id}`;
          break;
        default:
          throw new MandateError('invalid_request', 'unknown inbox action');
      }
    } catch (err) {
      if (!(err instanceof MandateError)) throw err;
      return reply.redirect(`/inbox?error=${encodeURIComponent(err.message.slice(0, 400))}`, 303);
    }
    return reply.redirect(`/inbox?done=${encodeURIComponent(done.slice(0, 190))}`, 303);
  },
});
