import type { Command } from 'commander';
import { MandateAdminClient } from '../sdk/admin-client.js';
import { MandateApiError } from '../sdk/errors.js';

/**
 * What a command reads and writes instead of the process's own: main.ts passes the process's,
 * tests their own, so that commands run in one process side by side without touching process.env.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Set by a command whose outcome is not an error but not success either (a broken audit chain: 3). */
  exitCode?: number;
}

export interface ClientOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** Adds the options every client command takes: --url, --token, --json. */
export function clientOptions(
  io: CliIo,
  cmd: Command,
  opts: { token?: boolean } = { token: true },
): Command {
  cmd.option(
    '--url <url>',
    'Mandate server URL (env MANDATE_URL)',
    io.env.MANDATE_URL ?? 'http://127.0.0.1:8080',
  );
  if (opts.token !== false) cmd.option('--token <token>', 'admin token (env MANDATE_ADMIN_TOKEN)');
  return cmd.option('--json', 'print JSON instead of text');
}

export function adminClient(io: CliIo, opts: ClientOptions): MandateAdminClient {
  const token = opts.token ?? io.env.MANDATE_ADMIN_TOKEN;
  if (!token) {
    throw new CliError(
      'no admin token: pass --token or set MANDATE_ADMIN_TOKEN (the server printed where it wrote one, by default ./.mandate/admin-token)',
    );
  }
  return new MandateAdminClient({ url: opts.url ?? 'http://127.0.0.1:8080', token });
}

/** A user-facing error; the message says what to do next. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Prints `value` as JSON with --json, else as the text `text` renders. */
export function output<T>(io: CliIo, opts: ClientOptions, value: T, text: (v: T) => string): void {
  io.stdout.write(opts.json ? `${JSON.stringify(value, null, 2)}\n` : `${text(value)}\n`);
}

/** Fixed-width columns for list output. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** Awaits `call`; a `not_found` answer becomes an error that says where to look (`next`), not the generic agent hint. */
export async function orNotFound<T>(call: Promise<T>, next: string): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof MandateApiError && err.code === 'not_found')
      throw new CliError(`${err.detail}; ${next}`);
    throw err;
  }
}

/** A whole number from the command line, at least `min`; else a usage error (exit 2) naming the option. */
export function wholeNumber(value: string, option: string, min: number, what: string): number {
  const n = /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= min)) throw new CliError(`${option} must be ${what}, not \`${value}\``, 2);
  return n;
}
