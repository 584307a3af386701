import { end, next, type End, type Next } from '../../core/steps.js';
import type { Matched, Refusal } from '../context.js';

/**
 * After `match`: no second reading of the request. Many frameworks let a request say it is another
 * method (`X-HTTP-Method-Override: DELETE` on a POST, a `_method` query parameter or form field)
 * or another path (`X-Original-URL`, `X-Rewrite-URL`); the decision was made for the method and
 * path the proxy matched, so a request that carries any of these is refused (400, naming it)
 * rather than forwarded with them stripped: an agent that sends one is trying to be read as
 * something it was not allowed as. Header and parameter names are compared case-insensitively;
 * form fields (url-encoded and multipart) and a json body's top-level member (Laravel reads it
 * too) are checked by `body` (./body.ts), which reads those bodies for them.
 */

/** Headers by which an upstream may take the request for another method or another target. */
export const OVERRIDE_HEADERS: ReadonlySet<string> = new Set([
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-method',
  'x-original-url',
  'x-rewrite-url',
]);

/** The parameter (query or form field) that Rails, Laravel, Symfony and others read as the method. */
export const METHOD_PARAM = '_method';

export function overrideRefusal(where: string): Refusal {
  return {
    code: 'method_override',
    detail: `mandate refused ${where}: a request is decided and forwarded as the method and path it was sent with, never as another`,
    outcome: 'bad_request',
    reason: 'override',
  };
}

/** Whether a parameter reads as `_method` to some framework: PHP turns a space, `.` or `[` in a name into `_`. */
export function hasMethodParam(params: URLSearchParams): boolean {
  for (const name of params.keys()) if (isMethodParam(name)) return true;
  return false;
}

/** Whether a name reads as `_method` to some framework. */
export function isMethodParam(name: string): boolean {
  return name.trim().toLowerCase().replace(/[ .[]/g, '_') === METHOD_PARAM;
}

/**
 * Whether a multipart/form-data body has a part named like `_method` (Rack, PHP and so Rails,
 * Laravel and Symfony read multipart fields as they read url-encoded ones). `contentType` is
 * the request's; a body without a boundary is nobody's form and has none.
 */
export function hasMethodPart(contentType: string, bytes: Buffer): boolean {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return false;
  for (const part of bytes.toString('latin1').split(`--${boundary}`)) {
    const head = part.split(/\r?\n\r?\n/, 1)[0] ?? '';
    for (const line of head.split(/\r?\n/)) {
      if (!/^\s*content-disposition\s*:/i.test(line)) continue;
      for (const p of line.matchAll(/;\s*name(\*?)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi)) {
        let name = p[2] ?? p[3] ?? '';
        // RFC 5987 `name*=utf-8''%5Fmethod`.
        if (p[1]) name = safeDecode(name.replace(/^[^']*'[^']*'/, ''));
        if (isMethodParam(name)) return true;
      }
    }
  }
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export async function override<C extends Matched>(call: C): Promise<Next<C> | End<Refusal>> {
  const { req, target } = call;
  for (const [i, raw] of req.rawHeaders.entries()) {
    if (i % 2 === 1) continue; // a value
    // CGI-style servers (WSGI, PHP) read `X_HTTP_Method_Override` as `X-HTTP-Method-Override`.
    const name = raw.toLowerCase().replace(/_/g, '-');
    if (OVERRIDE_HEADERS.has(name)) return end(overrideRefusal(`the \`${name}\` header`));
  }
  if (hasMethodParam(new URLSearchParams(target.query)))
    return end(overrideRefusal(`the \`${METHOD_PARAM}\` query parameter`));
  return next(call);
}
