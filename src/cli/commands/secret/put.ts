import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { readValue, valueOptions, type ValueSource } from './value.js';

export type PutOptions = ClientOptions & ValueSource & { description?: string; type?: string };

export function registerPut(secret: Command, io: CliIo): void {
  clientOptions(
    io,
    valueOptions(
      secret
        .command('put <id>')
        .description(
          'store a secret for the broker (creates version 1, or rotates): the value from --from-file, --from-env or stdin, never an argument',
        ),
    )
      .option('--description <text>', 'what the secret is for')
      .option('--type <type>', 'a label: api_key, basic_auth, oauth_client_secret, …'),
  ).action(async (id: string, opts: PutOptions) => {
    const s = await adminClient(io, opts).putSecret(id, {
      value: await readValue(io, opts),
      ...(opts.description !== undefined ? { description: opts.description } : {}),
      ...(opts.type !== undefined ? { type: opts.type } : {}),
    });
    output(io, opts, s, (v) => `stored secret ${v.id}, version ${v.version}`);
  });
}
