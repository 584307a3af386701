import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

export function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1)
    throw new CliError(`${flag} must be a whole number of seconds, at least 1, not \`${text}\``, 2);
  return Number(text);
}

export function registerAnswer(grants: Command, io: CliIo): void {
  clientOptions(
    io,
    grants
      .command('approve <request-id>')
      .description('approve a grant request as asked, or narrowed')
      .option('--scope <scope...>', 'grant only these (each covered by a requested scope)')
      .option('--ttl <seconds>', 'for this long (at most the requested duration)')
      .option('--note <text>', 'why, for the audit log'),
  ).action(
    async (id: string, opts: ClientOptions & { scope?: string[]; ttl?: string; note?: string }) => {
      const ttl = seconds('--ttl', opts.ttl);
      const done = await adminClient(io, opts).approveGrantRequest(id, {
        ...(opts.scope ? { scopes: opts.scope } : {}),
        ...(ttl ? { ttl } : {}),
        ...(opts.note ? { note: opts.note } : {}),
      });
      output(
        io,
        opts,
        done,
        (d) =>
          `approved: grant ${d.grant.id} lets ${d.grant.agent} act for ${d.grant.human} (${d.grant.scopes.join(' ')}) until ${d.grant.expires_at}`,
      );
    },
  );
  clientOptions(
    io,
    grants
      .command('deny <request-id>')
      .description('deny a grant request')
      .option('--note <text>', 'why (the agent sees it)'),
  ).action(async (id: string, opts: ClientOptions & { note?: string }) => {
    output(
      io,
      opts,
      await adminClient(io, opts).denyGrantRequest(id, opts.note),
      (r) => `denied grant request ${r.id} from ${r.agent}`,
    );
  });
}
