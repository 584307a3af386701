/**
 * The one reader of `Authorization` request headers: RFC 7235 §2.1 credentials
 * `<auth-scheme> 1*SP <token68>`, schemes compared case-insensitively, for RFC 6750 §2.1
 * `Bearer` and RFC 9449 §7.1 `DPoP`. Two headers, or two credentials joined into one, are
 * refused: a request must say one thing.
 */

/** A fetch `Headers`, or a record such as Node's `req.headers` / `req.headersDistinct` (names in any case). */
export type HeaderSource = Headers | Record<string, string | readonly string[] | undefined>;

export type AuthorizationScheme = 'Bearer' | 'DPoP';

/** A well-formed credential. */
export interface Credentials {
  scheme: AuthorizationScheme;
  token: string;
}

/**
 * Why no credential could be read: `missing_token` when the request has none for these schemes
 * (RFC 6750 §3.1: answered without an error code), `invalid_request` when it is malformed.
 */
export interface CredentialsProblem {
  problem: 'missing_token' | 'invalid_request';
  message: string;
  /** The scheme the request used, so the error goes in that scheme's challenge. */
  scheme: AuthorizationScheme;
}

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const CREDENTIALS = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(?: +(.*))?$/;

/**
 * Every value of a header, by case-insensitive name. A fetch `Headers` has already joined
 * repeats with ", ", which the readers below refuse as two values.
 *
 * @example headerValues({ Authorization: ['Bearer a', 'Bearer b'] }, 'authorization') // ['Bearer a', 'Bearer b']
 */
export function headerValues(headers: HeaderSource, name: string): string[] {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    const value = headers.get(name);
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(
    headers as Record<string, string | readonly string[] | undefined>,
  )) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value.filter((v): v is string => typeof v === 'string'));
  }
  return values;
}

/** One credential value split into its scheme (lowercased) and the rest, or undefined when it has no scheme. */
function split(value: string): { scheme: string; rest: string } | undefined {
  const m = CREDENTIALS.exec(value.trim());
  if (!m) return undefined;
  return { scheme: m[1]!.toLowerCase(), rest: m[2]?.trim() ?? '' };
}

/**
 * The task token of a request: exactly one `Authorization: Bearer <token>` or
 * `Authorization: DPoP <token>`.
 *
 * @example
 * const c = readAuthorization(req.headersDistinct);
 * if ('problem' in c) refuse(c); else verify(c.token);
 */
export function readAuthorization(headers: HeaderSource): Credentials | CredentialsProblem {
  const values = headerValues(headers, 'authorization');
  if (values.length === 0)
    return {
      problem: 'missing_token',
      message:
        'no access token was sent: use `Authorization: Bearer <token>` or `Authorization: DPoP <token>`',
      scheme: 'Bearer',
    };
  if (values.length > 1)
    return {
      problem: 'invalid_request',
      message: 'more than one authorization header',
      scheme: 'Bearer',
    };
  const parts = split(values[0]!);
  if (parts?.scheme !== 'bearer' && parts?.scheme !== 'dpop')
    return {
      problem: 'missing_token',
      message: 'the authorization scheme is neither bearer nor dpop',
      scheme: 'Bearer',
    };
  const scheme = parts.scheme === 'dpop' ? 'DPoP' : 'Bearer';
  if (parts.rest.includes(','))
    return { problem: 'invalid_request', message: 'more than one authorization header', scheme };
  if (!TOKEN68.test(parts.rest))
    return {
      problem: 'invalid_request',
      message: `the authorization header is not \`${scheme} <token>\``,
      scheme,
    };
  return { scheme, token: parts.rest };
}

/**
 * The token of a single `Authorization: Bearer <token68>` value (Node's `req.headers.authorization`),
 * or undefined when there is none or it is not that: for the routes whose bearer token is not a
 * task token (the admin token, a signal source's, a stream receiver's, a human session's).
 *
 * @example bearerToken(request.headers.authorization) // 'madm_…' or undefined
 */
export function bearerToken(value: string | readonly string[] | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = split(value);
  return parts?.scheme === 'bearer' && TOKEN68.test(parts.rest) ? parts.rest : undefined;
}
