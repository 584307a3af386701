#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { MandateError } from '../core/errors.js';
import { MandateApiError } from '../sdk/errors.js';
import { CliError } from './common.js';
import { register as agent } from './commands/agent/index.js';
import { register as audit } from './commands/audit.js';
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

const HINTS: Record<string, string> = {
  unauthorized: 'check --token / MANDATE_ADMIN_TOKEN (the server wrote one to <data-dir>/admin-token)',
  not_found: 'list what exists with `mandate agent list`',
  attestation_failed: 'join tokens are single use and short-lived: create a new one with `mandate join-token create <agent>`',
  agent_inactive: 'see `mandate agent show <name>`; a suspended agent can be resumed with `mandate agent resume <name>`',
};

export function buildProgram(): Command {
  const program = new Command('mandate')
    .description('Mandate: workload identity and runtime authorization for AI agents')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  serve(program);
  agent(program);
  identity(program);
  issuer(program);
  keys(program);
  audit(program);
  task(program);
  delegation(program);
  grants(program);
  approvals(program);
  policy(program);
  secret(program);
  signal(program);
  ssf(program);
  events(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

/** Prints an error the way a user can act on; returns the exit code. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof CliError) {
    console.error(`error: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof MandateApiError) {
    console.error(`error: ${err.detail} (${err.code}${err.requestId ? `, request ${err.requestId}` : ''})`);
    const hint = HINTS[err.code];
    if (hint) console.error(`hint: ${hint}`);
    return 1;
  }
  if (err instanceof MandateError) {
    console.error(`error: ${err.message}`);
    return err.code === 'invalid_config' ? 2 : 1;
  }
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
}

await main(process.argv);
