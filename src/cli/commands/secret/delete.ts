import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

export function registerDelete(secret: Command, io: CliIo): void {
  clientOptions(
    io,
    secret.command('delete <id>').description('delete a secret: every stored version is destroyed'),
  ).action(async (id: string, opts: ClientOptions) => {
    await adminClient(io, opts).deleteSecret(id);
    output(io, opts, { id, deleted: true }, () => `deleted secret ${id}`);
  });
}
