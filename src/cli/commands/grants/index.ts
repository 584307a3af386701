import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerAnswer } from './answer.js';
import { registerNarrow } from './narrow.js';
import { registerRequests } from './requests.js';

/**
 * mandate grants requests|approve|deny|narrow: agents' requests for a human's grant, and
 * narrowing a grant. (`mandate grant create|list|revoke` manages grants directly.)
 */
export function register(program: Command, io: CliIo): void {
  const grants = program
    .command('grants')
    .description(
      'agents asking humans for access: answer requests (possibly narrowed), narrow grants',
    );
  registerRequests(grants, io);
  registerAnswer(grants, io);
  registerNarrow(grants, io);
}
