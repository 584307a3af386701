import { MandateError } from '../core/errors.js';
import {
  parseAuthorizationDetails,
  type ToolAccessDetail,
} from '../delegation/authorization-details.js';
import { parseScope } from '../delegation/scope.js';

/** What every grant that issues a task token may ask for. */
export interface TaskTokenParams {
  /** resource (RFC 8707) and audience values: where the token will be used. */
  targets: string[];
  scopes: string[] | undefined;
  details: ToolAccessDetail[] | undefined;
  /** Mandate extensions: the task's purpose and the requested lifetime in seconds. */
  purpose: string | undefined;
  ttlSeconds: number | undefined;
  /** RFC 9449 §10: bind the issued token to this key thumbprint (delegation by the parent). */
  dpopJkt: string | undefined;
}

const REPEATABLE = new Set(['resource', 'audience']);

/** RFC 6749 §3.2: a parameter is sent at most once; RFC 8707 `resource` (and `audience`) may repeat. */
export function refuseRepeats(form: URLSearchParams): void {
  for (const key of new Set(form.keys())) {
    if (!REPEATABLE.has(key) && form.getAll(key).length > 1)
      throw new MandateError('invalid_request', `parameter \`${key}\` must not repeat`);
  }
}

/** Parses the task token parameters of a token request (RFC 8707 for `resource`). Throws OAuth error codes. */
export function parseTaskTokenParams(form: URLSearchParams): TaskTokenParams {
  refuseRepeats(form);
  const get = (k: string): string | undefined => form.get(k) || undefined;
  const targets: string[] = [];
  for (const r of form.getAll('resource').filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(r);
    } catch {
      throw new MandateError(
        'invalid_target',
        `resource \`${r.slice(0, 200)}\` is not an absolute URI`,
      );
    }
    if (url.hash || r.includes('#'))
      throw new MandateError(
        'invalid_target',
        `resource \`${r.slice(0, 200)}\` must not have a fragment`,
      );
    targets.push(r);
  }
  for (const a of form.getAll('audience').filter(Boolean)) {
    if (a.length > 512)
      throw new MandateError('invalid_target', 'an audience is at most 512 characters');
    targets.push(a);
  }

  const scopeText = get('scope');
  const detailsText = get('authorization_details');
  const ttlText = get('expires_in');
  let ttlSeconds: number | undefined;
  if (ttlText !== undefined) {
    if (!/^\d{1,6}$/.test(ttlText) || Number(ttlText) <= 0)
      throw new MandateError(
        'invalid_request',
        '`expires_in` must be a positive number of seconds',
      );
    ttlSeconds = Number(ttlText);
  }
  const purpose = get('purpose');
  if (purpose !== undefined && purpose.length > 1024)
    throw new MandateError('invalid_request', '`purpose` is at most 1024 characters');
  const dpopJkt = get('dpop_jkt');
  if (dpopJkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt))
    throw new MandateError(
      'invalid_request',
      '`dpop_jkt` must be a base64url SHA-256 JWK thumbprint',
    );
  return {
    targets: [...new Set(targets)],
    scopes: scopeText === undefined ? undefined : parseScope(scopeText),
    details: detailsText === undefined ? undefined : parseAuthorizationDetails(detailsText),
    purpose,
    ttlSeconds,
    dpopJkt,
  };
}
