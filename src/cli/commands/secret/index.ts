import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerDelete } from './delete.js';
import { registerDisable } from './disable.js';
import { registerList } from './list.js';
import { registerPut } from './put.js';
import { registerRotate } from './rotate.js';

export function register(program: Command, io: CliIo): void {
  const secret = program
    .command('secret')
    .description(
      'secrets the credential broker injects upstream: write-only, versioned, encrypted at rest',
    );
  registerPut(secret, io);
  registerRotate(secret, io);
  registerList(secret, io);
  registerDisable(secret, io);
  registerDelete(secret, io);
}
