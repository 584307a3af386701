import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { describeSecret } from './describe.js';

export function registerList(secret: Command, io: CliIo): void {
  clientOptions(
    io,
    secret.command('list').description('list secrets (metadata only; values are never shown)'),
  ).action(async (opts: ClientOptions) => {
    const secrets = await adminClient(io, opts).listSecrets();
    output(io, opts, secrets, (list) =>
      list.length
        ? table([
            ['ID', 'TYPE', 'STATUS', 'VERSION', 'UPDATED', 'DESCRIPTION'],
            ...list.map((s) => [
              s.id,
              s.type,
              s.status,
              String(s.version),
              s.updated_at,
              s.description,
            ]),
          ])
        : 'no secrets yet: mandate secret put <id> --from-file <path>',
    );
  });

  clientOptions(io, secret.command('show <id>').description("show one secret's metadata")).action(
    async (id: string, opts: ClientOptions) => {
      output(io, opts, await adminClient(io, opts).getSecret(id), describeSecret);
    },
  );
}
