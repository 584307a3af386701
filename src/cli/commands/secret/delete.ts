import type { Command } from 'commander';
import { adminClient, clientOptions, output, type ClientOptions } from '../../common.js';

export function registerDelete(secret: Command): void {
  clientOptions(secret.command('delete <id>').description('delete a secret: every stored version is destroyed')).action(async (id: string, opts: ClientOptions) => {
    await adminClient(opts).deleteSecret(id);
    output(opts, { id, deleted: true }, () => `deleted secret ${id}`);
  });
}
