import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

export function registerDisable(secret: Command, io: CliIo): void {
  clientOptions(
    io,
    secret
      .command('disable <id>')
      .description('stop the broker from using a secret (its versions are kept)'),
  ).action(async (id: string, opts: ClientOptions) => {
    output(
      io,
      opts,
      await adminClient(io, opts).disableSecret(id),
      (s) => `secret ${s.id} is disabled`,
    );
  });
  clientOptions(
    io,
    secret.command('enable <id>').description('let the broker use a disabled secret again'),
  ).action(async (id: string, opts: ClientOptions) => {
    output(
      io,
      opts,
      await adminClient(io, opts).enableSecret(id),
      (s) => `secret ${s.id} is active`,
    );
  });
}
