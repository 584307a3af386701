import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../../src/cli/common.js';
import { runProgram } from '../../../src/cli/program.js';

/** The repository root: the CLI runs from here so that `--import tsx` resolves. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_ENTRY = 'src/cli/main.ts';
/** Only a guard against a hung child: a test never waits longer than this for one command. */
const HANG_GUARD_MS = 120_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();

/** The parent's environment without any MANDATE_* variable, so a child sees only what a test gives it. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('MANDATE_')),
  );
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Starts `mandate <args>` (the real CLI through tsx) as a child process. */
export function spawnCli(
  args: string[],
  opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(opts.nodeArgs ?? []), CLI_ENTRY, ...args],
    { cwd: REPO_ROOT, env: cliEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** A stream that keeps what is written to it as text. */
class TextSink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += String(chunk);
    cb();
  }
}

/**
 * Runs `mandate <args>` in this process, through the same program and error reporting as the
 * binary, with its own stdout, stderr, stdin (`opts.stdin`, else empty) and environment (this
 * process's without MANDATE_*, plus `opts.env`): tests may run it side by side. `signal` is always
 * null. A `serve` that starts would keep running here: start a server with spawnCli instead.
 */
export async function runCli(
  args: string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  const stdout = new TextSink();
  const stderr = new TextSink();
  const io: CliIo = {
    stdout,
    stderr,
    stdin: Readable.from(opts.stdin !== undefined ? [Buffer.from(opts.stdin)] : []),
    env: cliEnv(opts.env),
  };
  const code = await runProgram(args, io);
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}

/** Runs `mandate <args>` as a child process (the real binary through tsx) to completion and collects its output. */
export function runCliProcess(
  args: string[],
  opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mandate ${args.join(' ')} did not finish; stderr so far:\n${stderr}`));
    }, HANG_GUARD_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a `--json` command that must succeed and returns its parsed output. */
export async function cliJson<T>(
  args: string[],
  opts: { env?: Record<string, string> } = {},
): Promise<T> {
  const r = await runCli([...args, '--json'], opts);
  if (r.code !== 0)
    throw new Error(`mandate ${args.join(' ')} exited ${String(r.code)}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Resolves with everything the child wrote to `stream` once it matches `pattern`; rejects if the child exits first. */
export function waitForOutput(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const source = child[stream]!;
    source.setEncoding('utf8');
    const onData = (d: string) => {
      text += d;
      if (pattern.test(text)) {
        cleanup();
        resolve(text);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(
        new Error(
          `the child exited (${String(code)}) before printing ${String(pattern)}; it printed:\n${text}`,
        ),
      );
    };
    const cleanup = () => {
      source.off('data', onData);
      child.off('exit', onExit);
    };
    source.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Sends `signal` and waits for the child to exit. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    child.kill(signal);
  });
}

/** Kills every CLI child this module started that is still running (for `after` hooks). */
export async function killRunningClis(): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c, 'SIGKILL')));
}

/** `--url <server> --token <admin token>`, the options every client command takes. */
export const serverArgs = (server: { url: string; adminToken: string }): string[] => [
  '--url',
  server.url,
  '--token',
  server.adminToken,
];
