import type { Command } from 'commander';
import { registerAnswer } from './answer.js';
import { registerList } from './list.js';

/** mandate approvals list|show|approve|deny: per-call approvals waiting for a human. */
export function register(program: Command): void {
  const approvals = program.command('approvals').alias('approval').description('per-call approvals: one exact call (agent, task, tool, argument digest) waiting for a human\'s yes');
  registerList(approvals);
  registerAnswer(approvals);
}
