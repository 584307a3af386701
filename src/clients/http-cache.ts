/**
 * How long a fetched client ID metadata document stays fresh (RFC 9111 §4.2.1): `s-maxage`, then
 * `max-age`, then `Expires` minus `Date`; `no-store` and `no-cache` keep it for the floor only.
 * Always within [floor, ceiling]: the floor so that one authorization (the request, the consent,
 * the token request) does not fetch the document three times, the ceiling so that a client's
 * changes (a redirect URI removed after a compromise) reach Mandate within a day.
 */

export interface FreshnessBounds {
  /** Never less, whatever the headers say. */
  floorMs: number;
  /** Never more. */
  ceilingMs: number;
  /** When the response says nothing about caching. */
  defaultMs: number;
}

export const DOCUMENT_FRESHNESS: FreshnessBounds = {
  floorMs: 60_000,
  ceilingMs: 86_400_000,
  defaultMs: 300_000,
};

type Headers = Record<string, string | string[] | undefined>;

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/**
 * Milliseconds the response with `headers`, received at `now`, stays fresh, within `bounds`.
 *
 * @example freshnessMs({ 'cache-control': 'public, max-age=3600' }, Date.now()) // 3600000
 */
export function freshnessMs(
  headers: Headers,
  now: number,
  bounds: FreshnessBounds = DOCUMENT_FRESHNESS,
): number {
  const clamp = (ms: number) => Math.min(bounds.ceilingMs, Math.max(bounds.floorMs, ms));
  const directives = new Map<string, string | undefined>();
  for (const part of (header(headers, 'cache-control') ?? '').split(',')) {
    const [name = '', value] = part.trim().split('=', 2);
    if (name !== '') directives.set(name.toLowerCase(), value?.replace(/^"|"$/gu, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache')) return bounds.floorMs;
  for (const name of ['s-maxage', 'max-age']) {
    const v = directives.get(name);
    if (v !== undefined && /^\d{1,10}$/u.test(v)) return clamp(Number(v) * 1000);
  }
  const expires = header(headers, 'expires');
  if (expires !== undefined) {
    const at = Date.parse(expires);
    // RFC 9111 §5.3: an Expires that is not a valid date means already expired.
    if (Number.isNaN(at)) return bounds.floorMs;
    const date = Date.parse(header(headers, 'date') ?? '');
    return clamp(at - (Number.isNaN(date) ? now : date));
  }
  return clamp(bounds.defaultMs);
}
