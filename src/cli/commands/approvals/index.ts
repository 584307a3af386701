import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerAnswer } from './answer.js';
import { registerList } from './list.js';

/** mandate approvals list|show|approve|deny: per-call approvals waiting for a human. */
export function register(program: Command, io: CliIo): void {
  const approvals = program
    .command('approvals')
    .alias('approval')
    .description(
      "per-call approvals: one exact call (agent, task, tool, argument digest) waiting for a human's yes",
    );
  registerList(approvals, io);
  registerAnswer(approvals, io);
}
