import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  orNotFound,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { STREAM_LIST_HINT } from './event-types.js';

export function registerDelete(stream: Command, io: CliIo): void {
  clientOptions(
    io,
    stream
      .command('delete <id>')
      .description(
        'delete a stream: its undelivered SETs are dropped and its receiver token stops working',
      ),
  ).action(async (id: string, opts: ClientOptions) => {
    await orNotFound(adminClient(io, opts).ssf.deleteStream(id), STREAM_LIST_HINT);
    output(
      io,
      opts,
      { stream_id: id, deleted: true },
      () =>
        `deleted ssf stream ${id}: its undelivered SETs are dropped and its receiver token no longer works`,
    );
  });
}
