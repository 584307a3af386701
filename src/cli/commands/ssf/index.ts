import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerCreate } from './stream-create.js';
import { registerDelete } from './stream-delete.js';
import { registerList } from './stream-list.js';
import { registerStatus } from './stream-status.js';
import { registerVerify } from './verify.js';

/** mandate ssf stream create|list|show|delete|status, mandate ssf verify: the Shared Signals transmitter (docs/ssf.md). */
export function register(program: Command, io: CliIo): void {
  const ssf = program
    .command('ssf')
    .description(
      'Shared Signals (SSF 1.0): streams that tell receivers of revocations and risk changes as CAEP events',
    );
  const stream = ssf
    .command('stream')
    .alias('streams')
    .description('SSF streams: one per receiver, push or poll');
  registerCreate(stream, io);
  registerList(stream, io);
  registerStatus(stream, io);
  registerDelete(stream, io);
  registerVerify(ssf, io);
}
