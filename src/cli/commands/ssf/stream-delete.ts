import type { Command } from 'commander';
import { adminClient, clientOptions, orNotFound, output, type ClientOptions } from '../../common.js';
import { STREAM_LIST_HINT } from './event-types.js';

export function registerDelete(stream: Command): void {
  clientOptions(stream.command('delete <id>').description('delete a stream: its undelivered SETs are dropped and its receiver token stops working')).action(async (id: string, opts: ClientOptions) => {
    await orNotFound(adminClient(opts).ssf.deleteStream(id), STREAM_LIST_HINT);
    output(opts, { stream_id: id, deleted: true }, () => `deleted ssf stream ${id}: its undelivered SETs are dropped and its receiver token no longer works`);
  });
}
