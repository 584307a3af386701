import type { Refusal, Step } from '../context.js';

/**
 * After `match`: no second reading of the request. Many frameworks let a request say it is another
 * method (`X-HTTP-Method-Override: DELETE` on a POST, a `_method` query parameter or form field)
 * or another path (`X-Original-URL`, `X-Rewrite-URL`); the decision was made for the method and
 * path the proxy matched, so a request that carries any of these is refused (400, naming it)
 * rather than forwarded with them stripped: an agent that sends one is trying to be read as
 * something it was not allowed as. Header and parameter names are compared case-insensitively;
 * the form field is checked by `body` (./body.ts), which reads url-encoded forms for it.
 */

/** Headers by which an upstream may take the request for another method or another target. */
export const OVERRIDE_HEADERS: ReadonlySet<string> = new Set(['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method', 'x-original-url', 'x-rewrite-url']);

/** The parameter (query or form field) that Rails, Laravel, Symfony and others read as the method. */
export const METHOD_PARAM = '_method';

export function overrideRefusal(where: string): Refusal {
  return {
    status: 400,
    code: 'method_override',
    detail: `mandate refused ${where}: a request is decided and forwarded as the method and path it was sent with, never as another`,
    outcome: 'bad_request',
    reason: 'override',
  };
}

/** Whether a parameter reads as `_method` to some framework: PHP turns a space, `.` or `[` in a name into `_`. */
export function hasMethodParam(params: URLSearchParams): boolean {
  for (const name of params.keys()) if (name.trim().toLowerCase().replace(/[ .[]/g, '_') === METHOD_PARAM) return true;
  return false;
}

export const override: Step = async (call) => {
  const { req, target } = call;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // CGI-style servers (WSGI, PHP) read `X_HTTP_Method_Override` as `X-HTTP-Method-Override`.
    const name = req.rawHeaders[i]!.toLowerCase().replace(/_/g, '-');
    if (OVERRIDE_HEADERS.has(name)) return { refuse: overrideRefusal(`the \`${name}\` header`) };
  }
  if (hasMethodParam(new URLSearchParams(target!.query))) return { refuse: overrideRefusal(`the \`${METHOD_PARAM}\` query parameter`) };
  return undefined;
};
