import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { seconds } from './answer.js';

export function registerNarrow(grants: Command, io: CliIo): void {
  clientOptions(
    io,
    grants
      .command('narrow <grant-id>')
      .description('narrow a grant: fewer scopes and/or an earlier end; every task under it ends')
      .option('--scope <scope...>', 'keep only these (each covered by a current scope)')
      .option(
        '--ttl <seconds>',
        'end it this many seconds from now (never later than it ends now)',
      ),
  ).action(async (id: string, opts: ClientOptions & { scope?: string[]; ttl?: string }) => {
    const ttl = seconds('--ttl', opts.ttl);
    if (!opts.scope && ttl === undefined)
      throw new CliError('say how to narrow: --scope, --ttl or both', 2);
    const done = await adminClient(io, opts).narrowGrant(id, {
      ...(opts.scope ? { scopes: opts.scope } : {}),
      ...(ttl ? { ttl } : {}),
    });
    output(
      io,
      opts,
      done,
      (d) =>
        `narrowed grant ${d.grant.id} to ${d.grant.scopes.join(' ')} until ${d.grant.expires_at}; ended ${d.ended_tasks.length} task(s)`,
    );
  });
}
