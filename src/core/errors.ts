import type { ErrorCode } from './error-codes.js';

/**
 * One error taxonomy for the whole server. Every error has a stable `code` that callers
 * `switch` on; every code, with its HTTP status, title and standard error, is in one table
 * (./error-codes.ts). Messages follow Cedar's style: lowercase, one line, user input in backticks.
 */

export { statusOf, type ErrorCode } from './error-codes.js';

export class MandateError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable fields, safe to show a caller (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MandateError';
    this.code = code;
    this.details = details;
  }
}

export function isMandateError(err: unknown): err is MandateError {
  return err instanceof MandateError;
}
