import type { Command } from 'commander';
import type { OAuthClient } from '../../../sdk/admin-clients.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

function listText(clients: OAuthClient[]): string {
  if (clients.length === 0)
    return 'no clients yet: an MCP host appears here when it registers or when a human first consents to it';
  return table([
    ['ID', 'NAME', 'KIND', 'STATUS', 'OWNER', 'AGENT', 'CLIENT ID'],
    ...clients.map((c) => [
      c.id,
      c.name,
      c.kind,
      c.status,
      c.owner ?? '-',
      c.agent?.status ?? '-',
      c.client_id,
    ]),
  ]);
}

export function registerList(clients: Command, io: CliIo): void {
  clientOptions(
    io,
    clients
      .command('list')
      .description(
        'list OAuth clients, oldest first: registered ones, and metadata-document ones a human consented to',
      )
      .option('--status <status>', 'active or revoked')
      .option('--owner <human>', 'the clients this human first consented to'),
  ).action(async (opts: ClientOptions & { status?: string; owner?: string }) => {
    if (opts.status !== undefined && opts.status !== 'active' && opts.status !== 'revoked')
      throw new CliError(`--status must be active or revoked, not \`${opts.status}\``, 2);
    const list = await adminClient(io, opts).clients.list({
      ...(opts.status ? { status: opts.status as 'active' | 'revoked' } : {}),
      ...(opts.owner ? { owner: opts.owner } : {}),
    });
    output(io, opts, list, listText);
  });
}
