import type { Command } from 'commander';
import { adminClient, clientOptions, CliError, output, type CliIo } from '../../common.js';
import { MandateApiError } from '../../../sdk/errors.js';
import type { PutOptions } from './put.js';
import { readValue, valueOptions } from './value.js';

export function registerRotate(secret: Command, io: CliIo): void {
  clientOptions(
    io,
    valueOptions(
      secret
        .command('rotate <id>')
        .description(
          'store a new version of an existing secret; the broker uses it from the next call',
        ),
    ).option('--description <text>', 'replace the description'),
  ).action(async (id: string, opts: PutOptions) => {
    const client = adminClient(io, opts);
    try {
      await client.getSecret(id);
    } catch (err) {
      if (err instanceof MandateApiError && err.code === 'not_found')
        throw new CliError(
          `secret \`${id}\` does not exist; create it with \`mandate secret put ${id}\``,
        );
      throw err;
    }
    const s = await client.putSecret(id, {
      value: await readValue(io, opts),
      ...(opts.description !== undefined ? { description: opts.description } : {}),
    });
    output(io, opts, s, (v) => `rotated secret ${v.id} to version ${v.version}`);
  });
}
