import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  orNotFound,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { describeClient } from './describe.js';

export function registerRevoke(clients: Command, io: CliIo): void {
  clientOptions(
    io,
    clients
      .command('revoke <id>')
      .description(
        'revoke a client for good: it cannot be authorized again, its agent identity is retired (every token it holds stops working) and every grant to it is revoked',
      ),
  ).action(async (id: string, opts: ClientOptions) => {
    const c = await orNotFound(
      adminClient(io, opts).clients.revoke(id),
      'list them with `mandate clients list`',
    );
    output(io, opts, c, (x) => `revoked:\n${describeClient(x)}`);
  });
}
