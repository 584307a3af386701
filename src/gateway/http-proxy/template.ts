/**
 * Route templates of the allowlist: `/items/{id}`, `/items/{id}/notes/`, `/files/**`. A literal
 * segment matches itself exactly (case-sensitive, after the request's percent-decoding); `{name}`
 * matches one non-empty segment and captures it; a final `/**` matches whatever follows (captured
 * as `**`). A template ending in `/` matches only paths ending in `/`.
 */

export type TemplateSegment = { literal: string } | { param: string };

export interface RouteTemplate {
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  readonly trailingSlash: boolean;
  /** Ends in `/**`. */
  readonly rest: boolean;
  /** The template with parameter names erased (`/items/{}`): two routes of one method must differ in it. */
  readonly shape: string;
  readonly params: readonly string[];
}

export const REST_PARAM = '**';

// RFC 3986 pchar without `%` (no escapes in templates) and without `*`, `{`, `}` (template syntax).
const LITERAL = /^[A-Za-z0-9\-._~!$&'()+,;=:@]+$/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]{0,63})\}$/;

export function parseTemplate(path: string): RouteTemplate | { error: string } {
  if (!path.startsWith('/')) return { error: 'must start with `/`' };
  const parts = path.slice(1).split('/');
  let rest = false;
  let trailingSlash = false;
  if (parts.at(-1) === REST_PARAM) {
    rest = true;
    parts.pop();
  } else if (parts.length > 1 && parts.at(-1) === '') {
    trailingSlash = true;
    parts.pop();
  }
  if (parts.length === 1 && parts[0] === '') parts.pop(); // `/` or `/**`
  const segments: TemplateSegment[] = [];
  const params: string[] = [];
  for (const part of parts) {
    if (part === '') return { error: 'must not have an empty segment (`//`)' };
    if (part === '.' || part === '..') return { error: 'must not have a `.` or `..` segment' };
    if (part === REST_PARAM) return { error: '`**` may only end the path' };
    const param = PARAM.exec(part)?.[1];
    if (param !== undefined) {
      if (params.includes(param)) return { error: `repeats the parameter \`${param}\`` };
      params.push(param);
      segments.push({ param });
    } else if (LITERAL.test(part)) {
      segments.push({ literal: part });
    } else {
      return {
        error: `segment \`${part.slice(0, 64)}\` must be literal url path characters or a whole \`{name}\``,
      };
    }
  }
  const shape = `/${segments.map((s) => ('param' in s ? '{}' : s.literal)).join('/')}${trailingSlash ? '/' : ''}${rest ? (segments.length ? '/**' : '**') : ''}`;
  return {
    source: path,
    segments,
    trailingSlash,
    rest,
    shape,
    params: rest ? [...params, REST_PARAM] : params,
  };
}

/** The captured parameters when `path` (decoded segments) matches `t`, else undefined. */
export function matchTemplate(
  t: RouteTemplate,
  segments: readonly string[],
  trailingSlash: boolean,
): Record<string, string> | undefined {
  const n = t.segments.length;
  if (t.rest ? segments.length < n : segments.length !== n || trailingSlash !== t.trailingSlash)
    return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const s = t.segments[i]!;
    const value = segments[i]!;
    if ('literal' in s) {
      if (s.literal !== value) return undefined;
    } else params[s.param] = value;
  }
  if (t.rest) {
    const tail = segments.slice(n);
    params[REST_PARAM] = tail.join('/') + (trailingSlash && tail.length > 0 ? '/' : '');
  }
  return params;
}

/**
 * Orders two templates that both match a path, most specific first: position by position a
 * literal beats a parameter, then a template without `/**` beats one with it, then the longer
 * `/**` prefix wins. Negative when `a` is more specific.
 */
export function bySpecificity(a: RouteTemplate, b: RouteTemplate): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const la = 'literal' in a.segments[i]! ? 0 : 1;
    const lb = 'literal' in b.segments[i]! ? 0 : 1;
    if (la !== lb) return la - lb;
  }
  if (a.rest !== b.rest) return a.rest ? 1 : -1;
  return b.segments.length - a.segments.length;
}
