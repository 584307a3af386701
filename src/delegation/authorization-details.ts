import { MandateError } from '../core/errors.js';
import { covers, scopeTokenProblem } from './scope.js';
import { quote } from './text.js';

/**
 * Mandate's RFC 9396 authorization details type `tool_access`: which tools (scope-style names,
 * wildcards allowed), optionally only at which locations (absolute URIs, e.g. an MCP server) and
 * with which actions. Within one detail the fields form a product; across details, a union
 * (RFC 9396 §2.2). An absent `locations` or `actions` means "any".
 */
export interface ToolAccessDetail {
  type: 'tool_access';
  tools: string[];
  locations?: string[];
  actions?: string[];
}

export const TOOL_ACCESS_TYPE = 'tool_access';

const FIELDS = new Set(['type', 'tools', 'locations', 'actions']);
const MAX_URI_LENGTH = 2048;
const MAX_ACTION_LENGTH = 256;
// RFC 3986 §3.1 scheme, then anything in printable ASCII without space (URIs are ASCII).
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]*$/;
const ACTION = /^[\x21\x23-\x29\x2b-\x5b\x5d-\x7e]+$/;

function invalid(message: string): MandateError {
  // RFC 9396 §5: the OAuth error is `invalid_authorization_details`; the HTTP layer reads it from details.
  return new MandateError('invalid_request', `invalid authorization_details: ${message}`, {
    oauthError: 'invalid_authorization_details',
  });
}

/** The problem with `s` as a location, or undefined. RFC 3986 §4.3 absolute-URI: no fragment. */
function locationProblem(s: string): string | undefined {
  if (s.length > MAX_URI_LENGTH) return `exceeds ${MAX_URI_LENGTH} characters`;
  if (!ABSOLUTE_URI.test(s)) return 'must be an absolute uri';
  if (s.includes('#')) return 'must not have a fragment';
  try {
    new URL(s);
  } catch {
    return 'must be an absolute uri';
  }
  return undefined;
}

function toolProblem(s: string): string | undefined {
  const problem = scopeTokenProblem(s);
  return problem === undefined ? undefined : `is not a valid tool name: ${problem}`;
}

function actionProblem(s: string): string | undefined {
  if (s.includes('*'))
    return 'must not contain `*`: actions have no wildcards; omit `actions` to allow any';
  if (s.length === 0 || s.length > MAX_ACTION_LENGTH || !ACTION.test(s)) {
    return `must be 1-${MAX_ACTION_LENGTH} printable ascii characters without space, \`"\` or \`\\\``;
  }
  return undefined;
}

/** Reads `entry[field]` as a non-empty list of strings each passing `check`, deduplicated. */
function stringList(
  entry: Record<string, unknown>,
  field: string,
  at: string,
  check: (s: string) => string | undefined,
): string[] {
  const value = entry[field];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw invalid(`\`${at}.${field}\` must be an array of strings`);
  if (value.length === 0) {
    throw invalid(
      field === 'tools'
        ? `\`${at}.tools\` must not be empty`
        : `\`${at}.${field}\` must not be empty; omit it to allow any`,
    );
  }
  for (const [i, v] of (value as string[]).entries()) {
    const problem = check(v);
    if (problem) throw invalid(`\`${at}.${field}[${i}]\` ${quote(v)} ${problem}`);
  }
  return [...new Set(value as string[])];
}

function parseEntry(entry: unknown, i: number): ToolAccessDetail {
  const at = `authorization_details[${i}]`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw invalid(`\`${at}\` must be an object`);
  const record = entry as Record<string, unknown>;
  // RFC 9396 §2: `type` decides which fields are allowed, so it is checked first.
  if (!Object.hasOwn(record, 'type')) throw invalid(`\`${at}.type\` is required`);
  if (typeof record.type !== 'string') throw invalid(`\`${at}.type\` must be a string`);
  if (record.type !== TOOL_ACCESS_TYPE)
    throw invalid(
      `\`${at}\` has the unknown type ${quote(record.type)}; the supported type is \`${TOOL_ACCESS_TYPE}\``,
    );
  for (const key of Object.keys(record)) {
    if (!FIELDS.has(key)) throw invalid(`\`${at}\` has the unknown field ${quote(key)}`);
  }
  const detail: ToolAccessDetail = {
    type: TOOL_ACCESS_TYPE,
    tools: stringList(record, 'tools', at, toolProblem),
  };
  if (Object.hasOwn(record, 'locations'))
    detail.locations = stringList(record, 'locations', at, locationProblem);
  if (Object.hasOwn(record, 'actions'))
    detail.actions = stringList(record, 'actions', at, actionProblem);
  return detail;
}

/**
 * Parses the `authorization_details` parameter (a JSON string, as sent in a form) or an already
 * decoded value into `tool_access` details. Throws `MandateError('invalid_request')` with
 * `details.oauthError = 'invalid_authorization_details'` for invalid JSON, a non-array, a
 * non-object entry, a missing or unknown `type`, an unknown field, a field of the wrong type, an
 * empty list or an invalid value (RFC 9396 §5). Lists come back deduplicated.
 *
 * @example parseAuthorizationDetails('[{"type":"tool_access","tools":["tool:github/*"],"actions":["read"]}]')
 */
export function parseAuthorizationDetails(json: unknown): ToolAccessDetail[] {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch {
      throw invalid('not valid json');
    }
  }
  if (!Array.isArray(value)) throw invalid('must be a json array of objects');
  return value.map((entry, i) => parseEntry(entry, i));
}

function listWithin(
  child: readonly string[] | undefined,
  parent: readonly string[] | undefined,
): boolean {
  if (parent === undefined) return true; // the parent allows any
  if (child === undefined) return false; // the child would allow any: wider
  return child.every((c) => parent.includes(c));
}

/** True when one parent detail allows everything `child` does. */
function detailCovers(parent: ToolAccessDetail, child: ToolAccessDetail): boolean {
  return (
    child.tools.every((t) => parent.tools.some((p) => covers(p, t))) &&
    listWithin(child.locations, parent.locations) &&
    listWithin(child.actions, parent.actions)
  );
}

/**
 * True when every child detail is covered by one parent detail: its tools each covered by the
 * parent's tools (scope `covers`), its locations a subset of the parent's (exact match), its
 * actions a subset of the parent's; a parent without `locations` / `actions` allows any.
 * Conservative by design: a child detail that only a union of parent details would cover is
 * refused (RFC 9396 §6.1 leaves the comparison to the type).
 *
 * @example detailsSubset([{ type: 'tool_access', tools: ['tool:github/list'] }], [{ type: 'tool_access', tools: ['tool:github/*'] }]) // true
 */
export function detailsSubset(
  child: readonly ToolAccessDetail[],
  parent: readonly ToolAccessDetail[],
): boolean {
  return child.every((c) => parent.some((p) => detailCovers(p, c)));
}

/**
 * The tools of all details, deduplicated, for decisions that work on scope tokens.
 *
 * @example detailsToScopes([{ type: 'tool_access', tools: ['a', 'b'] }, { type: 'tool_access', tools: ['b'] }]) // ['a', 'b']
 */
export function detailsToScopes(details: readonly ToolAccessDetail[]): string[] {
  return [...new Set(details.flatMap((d) => d.tools))];
}
