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

export function registerShow(clients: Command, io: CliIo): void {
  clientOptions(
    io,
    clients
      .command('show <id>')
      .description('show one client, by its id (the end of its SPIFFE ID) or its client_id'),
  ).action(async (id: string, opts: ClientOptions) => {
    const c = await orNotFound(
      adminClient(io, opts).clients.get(id),
      'list them with `mandate clients list`',
    );
    output(io, opts, c, describeClient);
  });
}
