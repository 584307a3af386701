import { MandateError } from '../core/errors.js';

/**
 * Tool-call arguments as Cedar sees them. Their shapes vary by tool and Cedar 4.13 has no open
 * records (`additionalAttributes` is an experimental feature the release build leaves off), so
 * arguments become the tags of one `Mandate::Arguments` entity: tag = path, value = string.
 * Policies read them with `context.arguments.hasTag("to") && context.arguments.getTag("to")`.
 *
 * Paths join object keys and array indexes with `.`: `{to: "a@x", cc: ["b@y"], opts: {n: 2}}`
 * gives `to` → `a@x`, `cc.0` → `b@y`, `opts.n` → `2`. Strings stay as they are; numbers,
 * booleans and null become their JSON text; empty objects and arrays give no tag.
 */

export const MAX_ARGUMENT_PATHS = 1024;
export const MAX_ARGUMENT_DEPTH = 16;

function refuse(message: string): MandateError {
  return new MandateError('invalid_request', message);
}

/**
 * Flattens arguments into path → string. Fails closed (`MandateError('invalid_request')`) rather
 * than dropping anything a policy might look at: more than 1,024 paths, nesting deeper than 16,
 * a value JSON cannot carry, or two different values for one path (`{"a.b": 1, a: {b: 2}}`).
 *
 * @example flattenArguments({ to: 'a@x.com', n: 2 }) // { to: 'a@x.com', n: '2' }
 */
export function flattenArguments(args: unknown): Record<string, string> {
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    throw refuse('arguments must be a JSON object');
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > MAX_ARGUMENT_DEPTH)
      throw refuse(`arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels`);
    if (typeof value === 'object' && value !== null) {
      const entries = Array.isArray(value)
        ? value.map((v, i) => [String(i), v] as const)
        : Object.entries(value);
      for (const [key, v] of entries) walk(v, path === '' ? key : `${path}.${key}`, depth + 1);
      return;
    }
    let text: string;
    if (typeof value === 'string') text = value;
    else if (
      typeof value === 'boolean' ||
      value === null ||
      (typeof value === 'number' && Number.isFinite(value))
    )
      text = JSON.stringify(value);
    else throw refuse(`argument \`${path.slice(0, 80)}\` is not a JSON value`);
    const seen = out.get(path);
    if (seen !== undefined && seen !== text)
      throw refuse(`argument path \`${path.slice(0, 80)}\` has two values`);
    out.set(path, text);
    if (out.size > MAX_ARGUMENT_PATHS)
      throw refuse(`arguments have more than ${MAX_ARGUMENT_PATHS} values`);
  };
  walk(args, '', 0);
  return Object.fromEntries(out);
}
