import type { z } from 'zod';
import { MandateError } from './errors.js';

/** Turns a zod error into one `invalid_request` naming the first bad field. */
export function invalidRequest(error: z.ZodError): MandateError {
  const issue = error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : 'body';
  return new MandateError(
    'invalid_request',
    `\`${path}\` ${issue?.message?.toLowerCase() ?? 'is invalid'}`,
    { field: path },
  );
}

/** Parses `input` with `schema` or throws `invalid_request`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidRequest(parsed.error);
  return parsed.data;
}
