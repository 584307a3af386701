import type { Command } from 'commander';
import type { GrantRequest } from '../../../sdk/admin-client.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

const STATUSES = ['pending', 'approved', 'denied', 'expired'];

export function requestsText(list: GrantRequest[]): string {
  if (list.length === 0) return 'no grant requests';
  return table([
    ['ID', 'STATUS', 'HUMAN', 'AGENT', 'SECONDS', 'ANSWER BY', 'SCOPES', 'PURPOSE'],
    ...list.map((r) => [
      r.id,
      r.status,
      r.human,
      r.agent,
      String(r.duration_seconds),
      r.expires_at,
      r.scopes.join(' '),
      r.purpose,
    ]),
  ]);
}

export function registerRequests(grants: Command, io: CliIo): void {
  clientOptions(
    io,
    grants
      .command('requests')
      .description("list agents' grant requests, newest first (default: the pending ones)")
      .option('--status <status>', `one of ${STATUSES.join(', ')}, or all`, 'pending')
      .option('--human <id>', 'only those asking this human')
      .option('--agent <spiffe-id>', "only this agent's"),
  ).action(async (opts: ClientOptions & { status: string; human?: string; agent?: string }) => {
    if (opts.status !== 'all' && !STATUSES.includes(opts.status))
      throw new CliError(
        `--status must be one of ${STATUSES.join(', ')} or all, not \`${opts.status}\``,
        2,
      );
    const list = await adminClient(io, opts).listGrantRequests({
      ...(opts.status !== 'all' ? { status: opts.status as GrantRequest['status'] } : {}),
      ...(opts.human ? { human: opts.human } : {}),
      ...(opts.agent ? { agent: opts.agent } : {}),
    });
    output(io, opts, list, (l) =>
      l.length === 0 && opts.status === 'pending' ? 'no grant request is waiting' : requestsText(l),
    );
  });
}
