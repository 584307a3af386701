import { readFileSync } from 'node:fs';
import { CliError, type CliIo } from '../../common.js';

/**
 * Where a secret value comes from: a file, an environment variable, or stdin. Never a
 * command-line argument: it would land in shell history and in `ps` output.
 */
export interface ValueSource {
  fromFile?: string;
  fromEnv?: string;
  /** Keep a final newline (by default one trailing `\n` or `\r\n` is dropped, as `echo` adds it). */
  keepNewline?: boolean;
}

export function valueOptions<T extends { option(flags: string, description: string): T }>(
  cmd: T,
): T {
  return cmd
    .option('--from-file <path>', 'read the value from this file')
    .option('--from-env <var>', 'read the value from this environment variable')
    .option('--keep-newline', 'keep a final newline (by default one is dropped)');
}

export async function readValue(io: CliIo, src: ValueSource): Promise<string> {
  const stdin = io.stdin;
  if (src.fromFile !== undefined && src.fromEnv !== undefined)
    throw new CliError('give the value one way: --from-file or --from-env (or stdin)', 2);
  let value: string;
  if (src.fromFile !== undefined) {
    try {
      value = readFileSync(src.fromFile, 'utf8');
    } catch (err) {
      throw new CliError(
        `cannot read \`${src.fromFile}\`: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
        2,
      );
    }
  } else if (src.fromEnv !== undefined) {
    const v = io.env[src.fromEnv];
    if (v === undefined || v === '')
      throw new CliError(`environment variable \`${src.fromEnv}\` is not set or empty`, 2);
    value = v;
  } else {
    if (stdin.isTTY)
      throw new CliError(
        'no value: pipe it on stdin, or pass --from-file <path> or --from-env <var> (never on the command line)',
        2,
      );
    const chunks: Buffer[] = [];
    for await (const chunk of stdin)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    value = Buffer.concat(chunks).toString('utf8');
  }
  if (!src.keepNewline) value = value.replace(/\r?\n$/, '');
  if (value.length === 0) throw new CliError('the value is empty', 2);
  return value;
}
