import type { Command } from 'commander';
import { adminClient, clientOptions, output, type ClientOptions } from '../../common.js';

export function registerDisable(secret: Command): void {
  clientOptions(secret.command('disable <id>').description('stop the broker from using a secret (its versions are kept)')).action(async (id: string, opts: ClientOptions) => {
    output(opts, await adminClient(opts).disableSecret(id), (s) => `secret ${s.id} is disabled`);
  });
  clientOptions(secret.command('enable <id>').description('let the broker use a disabled secret again')).action(async (id: string, opts: ClientOptions) => {
    output(opts, await adminClient(opts).enableSecret(id), (s) => `secret ${s.id} is active`);
  });
}
