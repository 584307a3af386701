import type { Command } from 'commander';
import type { RegistrationToken } from '../../../sdk/admin-clients.js';
import {
  adminClient,
  clientOptions,
  output,
  wholeNumber,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

function tokenText(t: RegistrationToken): string {
  return [
    t.registration_token,
    `good for ${t.uses} registration${t.uses === 1 ? '' : 's'} until ${t.expires_at}: the MCP host sends it as \`Authorization: Bearer <token>\` to POST /oauth/register (shown once)`,
    ...(t.registration !== 'initial-access-token'
      ? [
          `note: this server's \`registration\` setting is \`${t.registration}\`; the token is only asked for under \`initial-access-token\``,
        ]
      : []),
  ].join('\n');
}

export function registerRegistrationToken(clients: Command, io: CliIo): void {
  clientOptions(
    io,
    clients
      .command('registration-token')
      .description(
        'create an initial access token for RFC 7591 dynamic client registration (setting `registration: initial-access-token`)',
      )
      .option('--ttl <seconds>', 'how long it stays valid (default 86400)')
      .option('--uses <n>', 'how many registrations it allows (default 1)'),
  ).action(async (opts: ClientOptions & { ttl?: string; uses?: string }) => {
    const t = await adminClient(io, opts).clients.createRegistrationToken({
      ...(opts.ttl !== undefined
        ? { ttlSeconds: wholeNumber(opts.ttl, '--ttl', 1, 'a whole number of seconds, at least 1') }
        : {}),
      ...(opts.uses !== undefined
        ? { uses: wholeNumber(opts.uses, '--uses', 1, 'a whole number, at least 1') }
        : {}),
    });
    output(io, opts, t, tokenText);
  });
}
