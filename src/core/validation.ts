import type { z } from 'zod';
import { MandateError } from './errors.js';

/**
 * A problem zod found, in the words of every Mandate refusal: the field as `prefix.key[0].sub`
 * (an unknown key is named as the field itself) and the problem in lower case.
 *
 * @example describeIssue(issue, 'proxy') // { field: 'proxy.services[0].name', problem: 'must be …' }
 */
export function describeIssue(
  issue: z.ZodError['issues'][number] | undefined,
  prefix = '',
): { field: string; problem: string } {
  const unknownKey = issue?.code === 'unrecognized_keys';
  const path = [...(issue?.path ?? []), ...(unknownKey ? issue.keys.slice(0, 1) : [])];
  const field = path.reduce<string>(
    (acc, p) =>
      typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? String(p) : `${acc}.${String(p)}`,
    prefix,
  );
  const problem = unknownKey
    ? 'is not a known field'
    : (issue?.message.toLowerCase() ?? 'is invalid');
  return { field, problem };
}

/** The first problem of `error` (see `describeIssue`). */
export function firstIssue(error: z.ZodError, prefix = ''): { field: string; problem: string } {
  return describeIssue(error.issues[0], prefix);
}

/** Turns a zod error into one `invalid_request` naming the first bad field (`body` for the whole body). */
export function invalidRequest(error: z.ZodError): MandateError {
  const { field, problem } = firstIssue(error);
  const path = field === '' ? 'body' : field;
  return new MandateError('invalid_request', `\`${path}\` ${problem}`, { field: path });
}

/** Parses `input` with `schema` or throws `invalid_request`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error);
  return parsed.data;
}
