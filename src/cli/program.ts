import { Command, CommanderError } from 'commander';
import { MandateError } from '../core/errors.js';
import { MandateApiError } from '../sdk/errors.js';
import { CliError, type CliIo } from './common.js';
import { register as agent } from './commands/agent/index.js';
import { register as audit } from './commands/audit.js';
import { register as clients } from './commands/clients/index.js';
import { register as delegation } from './commands/delegation.js';
import { register as events } from './commands/events/index.js';
import { register as approvals } from './commands/approvals/index.js';
import { register as grants } from './commands/grants/index.js';
import { register as identity } from './commands/identity.js';
import { register as issuer } from './commands/issuer.js';
import { register as keys } from './commands/keys.js';
import { register as policy } from './commands/policy.js';
import { register as secret } from './commands/secret/index.js';
import { register as serve } from './commands/serve.js';
import { register as signal } from './commands/signal/index.js';
import { register as ssf } from './commands/ssf/index.js';
import { register as task } from './commands/task.js';
import { register as tools } from './commands/tools/index.js';

// Importing this module runs nothing: main.ts runs the program for the process, tests run it in
// process with their own io. The command modules import only commander, the sdk's http client and
// types at the top; the server stack, Cedar, x509 and the storage load inside the actions that use them.

const HINTS: Record<string, string> = {
  unauthorized:
    'check --token / MANDATE_ADMIN_TOKEN (the server wrote one to <data-dir>/admin-token)',
  not_found: 'list what exists with `mandate agent list`',
  attestation_failed:
    'join tokens are single use and short-lived: create a new one with `mandate join-token create <agent>`',
  agent_inactive:
    'see `mandate agent show <name>`; a suspended agent can be resumed with `mandate agent resume <name>`',
};

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

export function buildProgram(io: CliIo = processIo()): Command {
  const program = new Command('mandate')
    .description('Mandate: workload identity and runtime authorization for AI agents')
    .version('0.1.0')
    // Before any subcommand exists: each copies these settings from its parent when it is created.
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError()
    .exitOverride();
  serve(program, io);
  agent(program, io);
  identity(program, io);
  issuer(program, io);
  keys(program, io);
  audit(program, io);
  task(program, io);
  delegation(program, io);
  grants(program, io);
  clients(program, io);
  approvals(program, io);
  policy(program, io);
  tools(program, io);
  secret(program, io);
  signal(program, io);
  ssf(program, io);
  events(program, io);
  return program;
}

/**
 * Runs `mandate <args>` with `io` and returns its exit code; an error is reported on io.stderr,
 * never thrown. `from: 'node'` takes a process argv (node, script, args…), 'user' the args alone.
 */
export async function runProgram(
  args: readonly string[],
  io: CliIo,
  from: 'node' | 'user' = 'user',
): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...args], { from });
  } catch (err) {
    return report(err, io);
  }
  return io.exitCode ?? 0;
}

/** Prints an error the way a user can act on; returns the exit code. */
export function report(err: unknown, io: CliIo): number {
  const say = (line: string) => io.stderr.write(`${line}\n`);
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof CliError) {
    say(`error: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof MandateApiError) {
    say(`error: ${err.detail} (${err.code}${err.requestId ? `, request ${err.requestId}` : ''})`);
    const hint = HINTS[err.code];
    if (hint) say(`hint: ${hint}`);
    return 1;
  }
  if (err instanceof MandateError) {
    say(`error: ${err.message}`);
    return err.code === 'invalid_config' ? 2 : 1;
  }
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}
