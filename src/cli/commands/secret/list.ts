import type { Command } from 'commander';
import { adminClient, clientOptions, output, table, type ClientOptions } from '../../common.js';
import { describeSecret } from './describe.js';

export function registerList(secret: Command): void {
  clientOptions(secret.command('list').description('list secrets (metadata only; values are never shown)')).action(async (opts: ClientOptions) => {
    const secrets = await adminClient(opts).listSecrets();
    output(opts, secrets, (list) =>
      list.length ? table([['ID', 'TYPE', 'STATUS', 'VERSION', 'UPDATED', 'DESCRIPTION'], ...list.map((s) => [s.id, s.type, s.status, String(s.version), s.updated_at, s.description])]) : 'no secrets yet: mandate secret put <id> --from-file <path>',
    );
  });

  clientOptions(secret.command('show <id>').description('show one secret\'s metadata')).action(async (id: string, opts: ClientOptions) => {
    output(opts, await adminClient(opts).getSecret(id), describeSecret);
  });
}
