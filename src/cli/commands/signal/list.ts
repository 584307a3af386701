import type { Command } from 'commander';
import type { Signal, SignalList } from '../../../sdk/admin-signals.js';
import {
  adminClient,
  clientOptions,
  orNotFound,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

const about = (s: Signal): string => (s.task !== null ? `task:${s.task}` : (s.agent ?? '-'));

function listText(l: SignalList): string {
  const head =
    l.task !== undefined
      ? [
          `task ${l.task} (${l.status ?? '?'}, agent ${l.agent ?? '-'}): risk ${l.risk ?? 0}, restrictions ${l.restrictions?.join(', ') || 'none'}`,
        ]
      : [];
  const rows =
    l.signals.length === 0
      ? ['no live signals']
      : [
          table([
            ['ID', 'KIND', 'RISK', 'SOURCE', 'ABOUT', 'EXPIRES', 'RESPONSES'],
            ...l.signals.map((s) => [
              s.id,
              s.kind,
              String(s.risk),
              s.source,
              about(s),
              s.expires_at,
              s.responses.join(',') || '-',
            ]),
          ]),
        ];
  return [...head, ...rows].join('\n');
}

export function registerList(signal: Command, io: CliIo): void {
  clientOptions(
    io,
    signal
      .command('list')
      .description(
        'list live signals, newest first: those that count for a task (with the risk and restrictions it has now), those about an agent, or all',
      )
      .option('--task <id>', "the signals that count for this task: its own and its agent's")
      .option('--agent <spiffe-id>', 'the signals about this agent and those about its tasks'),
  ).action(async (opts: ClientOptions & { task?: string; agent?: string }) => {
    const list = await orNotFound(
      adminClient(io, opts).signals.list({
        ...(opts.task ? { task: opts.task } : {}),
        ...(opts.agent ? { agent: opts.agent } : {}),
      }),
      'see `mandate task list`',
    );
    output(io, opts, list, listText);
  });
}
