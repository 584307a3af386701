import type { ApprovalRecord, GrantRecord, GrantRequestRecord } from '../../core/store/index.js';
import type { Human } from '../../humans/human.js';

/**
 * The inbox as one small server-rendered page: no script, every value escaped, forms that post
 * to `/inbox/act` from this origin (the session cookie's CSRF check reads their `Origin`).
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const esc = (v: unknown): string => String(v).replace(/[&<>"']/gu, (c) => ESCAPES[c]!);
const when = (ms: number) => esc(new Date(ms).toISOString().replace('.000Z', 'Z'));

/** What the inbox page's responses carry: no framing, no script, forms only to this origin. */
export const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#222}section{border:1px solid #ddd;border-radius:6px;padding:.8rem 1rem;margin:.8rem 0}code{background:#f4f4f4;padding:0 .25rem}form{display:inline-block;margin:.3rem .6rem .3rem 0}.error{color:#a00}.muted{color:#666}label{margin-right:.6rem}</style>
</head><body>${body}</body></html>`;
}

function act(kind: string, id: string, action: string, label: string, extra = ''): string {
  return `<form method="post" action="/inbox/act"><input type="hidden" name="kind" value="${esc(kind)}"><input type="hidden" name="id" value="${esc(id)}"><input type="hidden" name="action" value="${esc(action)}">${extra}<button>${esc(label)}</button></form>`;
}

const scopeBoxes = (scopes: string[]) =>
  scopes
    .map(
      (s) =>
        `<label><input type="checkbox" name="scope" value="${esc(s)}" checked> <code>${esc(s)}</code></label>`,
    )
    .join('');

function requestHtml(r: GrantRequestRecord): string {
  return `<section><p><strong>${esc(r.agent)}</strong> asks ${esc(r.human)} for access: ${esc(r.purpose)}</p>
<p class="muted">for ${esc(r.durationSeconds)} s · asked ${when(r.createdAt)} · answer before ${when(r.expiresAt)}</p>
${act('grant_request', r.id, 'approve', 'Approve (unchecked scopes are left out)', `${scopeBoxes(r.scopes)}<br><label>seconds <input type="number" name="ttl" min="1" max="${esc(r.durationSeconds)}" value="${esc(r.durationSeconds)}"></label>`)}
${act('grant_request', r.id, 'deny', 'Deny')}</section>`;
}

function approvalHtml(a: ApprovalRecord, inForce: InboxView['inForce']): string {
  const standing = inForce?.(a);
  // Every restriction in force, so that approving one call is never mistaken for lifting the others.
  const restricted =
    standing && (standing.risk > 0 || standing.restrictions.length > 0)
      ? `<p class="error">in force now: risk ${esc(standing.risk)}${standing.restrictions.length ? ` · restrictions ${standing.restrictions.map((r) => `<code>${esc(r)}</code>`).join(', ')}` : ''}</p>\n`
      : '';
  return `<section><p><strong>${esc(a.agent)}</strong> wants to call <code>${esc(a.target)}</code> in task <code>${esc(a.taskId)}</code></p>
${restricted}<p class="muted">arguments digest <code>${esc(a.argumentsDigest.slice(0, 16))}…</code> · asked by ${esc(a.reasons.join(', '))} · policy set ${esc(a.policySetVersion)} · expires ${when(a.expiresAt)}</p>
${act('approval', a.id, 'approve', 'Approve this one call')}${act('approval', a.id, 'deny', 'Deny')}</section>`;
}

function grantHtml(g: GrantRecord): string {
  return `<section><p>${esc(g.agent)} may act for ${esc(g.human)}: ${esc(g.purpose)}</p><p class="muted">until ${when(g.expiresAt)}</p>
${act('grant', g.id, 'narrow', 'Narrow (unchecked scopes are taken away)', `${scopeBoxes(g.scopes)}<br><label>seconds from now (optional) <input type="number" name="ttl" min="1"></label>`)}
${act('grant', g.id, 'revoke', 'Revoke')}</section>`;
}

export interface InboxView {
  human: Human;
  requests: GrantRequestRecord[];
  approvals: ApprovalRecord[];
  grants: GrantRecord[];
  /** The risk and restrictions in force now for an approval's task and agent (docs/signals.md). */
  inForce?: ((a: ApprovalRecord) => { risk: number; restrictions: readonly string[] }) | undefined;
  message?: string | undefined;
  error?: string | undefined;
}

export function inboxPage(v: InboxView): string {
  const list = (items: string[], none: string) =>
    items.length ? items.join('\n') : `<p class="muted">${esc(none)}</p>`;
  return page(
    'Mandate inbox',
    `<h1>Inbox of ${esc(v.human.id)}</h1>
<form method="post" action="/auth/logout?return_to=/inbox"><button>Sign out</button></form>
${v.message ? `<p>${esc(v.message)}</p>` : ''}${v.error ? `<p class="error">${esc(v.error)}</p>` : ''}
<h2>Agents asking for access</h2>${list(v.requests.map(requestHtml), 'No grant request waits for you.')}
<h2>Calls waiting for approval</h2>${list(
      v.approvals.map((a) => approvalHtml(a, v.inForce)),
      'No call waits for your approval.',
    )}
<h2>Your grants</h2>${list(v.grants.map(grantHtml), 'No active grant.')}`,
  );
}

export function signInPage(oidc: boolean): string {
  return page(
    'Sign in to Mandate',
    `<h1>Sign in</h1>
${oidc ? '<p><a href="/auth/login?return_to=/inbox">Sign in with your organisation</a></p>' : '<p class="muted">No identity provider is configured.</p>'}
<form method="post" action="/auth/local"><input type="hidden" name="return_to" value="/inbox"><label>Admin token <input type="password" name="token" autocomplete="off"></label><button>Sign in as admin</button></form>`,
  );
}
