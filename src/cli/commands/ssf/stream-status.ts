import type { Command } from 'commander';
import type { SsfStatus, SsfStreamStatus } from '../../../sdk/admin-ssf.js';
import {
  adminClient,
  clientOptions,
  CliError,
  orNotFound,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { STREAM_LIST_HINT } from './event-types.js';

const STATUSES: readonly SsfStatus[] = ['enabled', 'paused', 'disabled'];

const MEANING: Record<SsfStatus, string> = {
  enabled: 'its SETs are delivered',
  paused: 'its SETs are held, and sent in order once it is enabled',
  disabled:
    'nothing is queued for it: what was queued is dropped, and events until it is enabled again are not kept',
};

export const statusText = (s: Pick<SsfStreamStatus, 'status' | 'reason'>): string =>
  `${s.status}${s.reason ? ` (${s.reason})` : ''}`;

export function registerStatus(stream: Command, io: CliIo): void {
  clientOptions(
    io,
    stream
      .command('status <id>')
      .description("show a stream's status, or set it with --set")
      .option('--set <status>', 'enabled, paused (SETs held) or disabled (SETs dropped)')
      .option('--reason <text>', 'with --set: why, kept with the status'),
  ).action(async (id: string, opts: ClientOptions & { set?: string; reason?: string }) => {
    if (opts.set !== undefined && !(STATUSES as readonly string[]).includes(opts.set))
      throw new CliError(`--set must be one of ${STATUSES.join(', ')}, not \`${opts.set}\``, 2);
    if (opts.reason !== undefined && opts.set === undefined)
      throw new CliError('--reason goes with --set <status>', 2);
    const ssf = adminClient(io, opts).ssf;
    const st = await orNotFound(
      opts.set !== undefined
        ? ssf.setStatus(id, opts.set as SsfStatus, opts.reason)
        : ssf.status(id),
      STREAM_LIST_HINT,
    );
    output(io, opts, st, (s) => `stream ${s.stream_id} is ${statusText(s)}: ${MEANING[s.status]}`);
  });
}
