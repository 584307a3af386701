/**
 * What keeps credentials out of the log: the request line's query string is never logged
 * (a caller may put a token there, and is refused for it, but the URL is logged first), and every
 * string that reaches a log line, message or field, has token-shaped values replaced: JWTs,
 * Mandate's own prefixed secrets (admin `madm_`, human session `mhs_`, join `mjt_`, SSF receiver
 * `mssf_`) and the value after an HTTP auth scheme. Header fields are redacted by path as well
 * (REDACT_PATHS in ./http-server.ts).
 */

export const REDACTED = '[redacted]';

const PATTERNS: readonly [RegExp, string][] = [
  // A JWT or JWS/JWE compact form: its base64url JSON header always starts `eyJ` (`{"`).
  [/eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,4}/g, `eyJ${REDACTED}`],
  // No word boundary before the prefix: `_` and a percent-escape's last hex digit are word characters.
  [/(madm|mhs|mjt|mssf)_[A-Za-z0-9_-]+/g, `$1_${REDACTED}`],
  [/\b(Bearer|DPoP|Basic)(\s+|%20|\+)[A-Za-z0-9\-._~+/%]+=*/gi, `$1 ${REDACTED}`],
];

/** `text` with every token-shaped value replaced. */
export function redactText(text: string): string {
  let out = text;
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

/**
 * A request target as it may be logged: the path percent-decoded (an escape must not hide a token
 * or a `?` from the patterns), token-shaped values replaced, and `?[redacted]` for a query,
 * whether its `?` was written plainly or as `%3F`.
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const raw = url.indexOf('?');
  const path = decodePath(raw === -1 ? url : url.slice(0, raw));
  const q = path.indexOf('?');
  const hasQuery = raw !== -1 || q !== -1;
  return `${redactText(q === -1 ? path : path.slice(0, q))}${hasQuery ? `?${REDACTED}` : ''}`;
}

/** Percent-escapes decoded, repeatedly (a double-encoded `%253F` too), leaving a malformed one as it is. */
function decodePath(path: string): string {
  let out = path;
  for (let i = 0; i < 3 && out.includes('%'); i++)
    out = out.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  return out;
}

const MAX_DEPTH = 8;

/** Strings in plain objects and arrays, redacted; anything else (a request, an Error) is left to its serializer. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, depth + 1)]));
}

/** The request fields Fastify logs, without the query and without token-shaped values. */
export function serializeRequest(req: {
  method?: string;
  url?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: req.method,
    url: redactUrl(req.url),
    hostname: req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** What a caller's own request serializer gave, with its `url` as `serializeRequest` logs it and every other string redacted. */
export function redactSerializedRequest(serialized: unknown): unknown {
  if (typeof serialized !== 'object' || serialized === null || Array.isArray(serialized))
    return redactValue(serialized);
  const { url, ...rest } = serialized as Record<string, unknown>;
  return {
    ...(redactValue(rest) as Record<string, unknown>),
    ...(url !== undefined ? { url: redactUrl(typeof url === 'string' ? url : String(url)) } : {}),
  };
}

/** An error as pino's standard serializer would give it, its message and stack redacted. */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return redactValue(err);
  const e = err as Error & { code?: unknown; statusCode?: unknown };
  return {
    type: e.name,
    message: redactText(e.message),
    stack: e.stack === undefined ? undefined : redactText(e.stack),
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}),
  };
}
