import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

export function registerAnswer(approvals: Command, io: CliIo): void {
  clientOptions(
    io,
    approvals
      .command('approve <id>')
      .description('approve one pending call: the identical call may then succeed once')
      .option('--note <text>', 'why, for the audit log'),
  ).action(async (id: string, opts: ClientOptions & { note?: string }) => {
    output(
      io,
      opts,
      await adminClient(io, opts).approveApproval(id, opts.note),
      (a) => `approved ${a.id}: ${a.target} by ${a.agent} may run once, until ${a.expires_at}`,
    );
  });
  clientOptions(
    io,
    approvals
      .command('deny <id>')
      .description('deny one pending call')
      .option('--note <text>', 'why, for the audit log'),
  ).action(async (id: string, opts: ClientOptions & { note?: string }) => {
    output(
      io,
      opts,
      await adminClient(io, opts).denyApproval(id, opts.note),
      (a) => `denied ${a.id}: ${a.target} by ${a.agent}`,
    );
  });
}
