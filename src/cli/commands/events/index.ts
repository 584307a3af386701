import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerWatch } from './watch.js';

/** mandate events watch: the revocation feed as it happens (docs/revocation.md). */
export function register(program: Command, io: CliIo): void {
  const events = program
    .command('events')
    .alias('event')
    .description('the revocation feed (GET /v1/events): every revocation as it commits');
  registerWatch(events, io);
}
