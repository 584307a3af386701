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

export function registerVerify(ssf: Command, io: CliIo): void {
  clientOptions(
    io,
    ssf
      .command('verify <stream-id>')
      .description(
        'send a verification event on a stream (SSF 1.0 §8.1.4.2), to check that its receiver gets SETs',
      )
      .option('--state <text>', 'a value the verification event echoes, for the receiver to match'),
  ).action(async (id: string, opts: ClientOptions & { state?: string }) => {
    await orNotFound(adminClient(io, opts).ssf.verify(id, opts.state), STREAM_LIST_HINT);
    output(
      io,
      opts,
      {
        stream_id: id,
        requested: true,
        ...(opts.state !== undefined ? { state: opts.state } : {}),
      },
      () =>
        `asked for a verification event on stream ${id}${opts.state !== undefined ? ` with state \`${opts.state}\`` : ''}: a push receiver gets it at its endpoint, a poll receiver at its next poll`,
    );
  });
}
