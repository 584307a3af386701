import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerList } from './list.js';
import { registerSend } from './send.js';

/** mandate signal send|list: risk signals about a task or an agent, and the responses they get (docs/signals.md). */
export function register(program: Command, io: CliIo): void {
  const signal = program
    .command('signal')
    .alias('signals')
    .description(
      'risk signals about a task or an agent: each gets the graduated response its risk reaches (approval, read-only, task revoked)',
    );
  registerSend(signal, io);
  registerList(signal, io);
}
