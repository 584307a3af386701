import type { Command } from 'commander';
import type { Approval } from '../../../sdk/admin-client.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

const STATUSES = ['pending', 'approved', 'denied', 'used', 'expired', 'revoked'];

export function approvalsText(list: Approval[]): string {
  if (list.length === 0) return 'no approvals';
  return table([
    ['ID', 'STATUS', 'TARGET', 'AGENT', 'TASK', 'EXPIRES', 'DECIDED BY'],
    ...list.map((a) => [
      a.id,
      a.status,
      a.target,
      a.agent,
      a.task_id,
      a.expires_at,
      a.decided_by ?? '-',
    ]),
  ]);
}

export function approvalText(a: Approval): string {
  return [
    `approval ${a.id}: ${a.status}`,
    `  call:       ${a.target} by ${a.agent} in task ${a.task_id}`,
    `  arguments:  sha-256 ${a.arguments_digest} (RFC 8785 JSON)`,
    `  asked by:   ${a.reasons.join(', ')} (policy set ${a.policy_set_version}, decision ${a.decision_id})`,
    `  expires:    ${a.expires_at}`,
    ...(a.decided_by
      ? [`  decided:    ${a.decided_by} at ${a.decided_at}${a.note ? ` (${a.note})` : ''}`]
      : []),
  ].join('\n');
}

export function registerList(approvals: Command, io: CliIo): void {
  clientOptions(
    io,
    approvals
      .command('list')
      .description('list approvals, newest first (default: the pending ones)')
      .option('--status <status>', `one of ${STATUSES.join(', ')}, or all`, 'pending')
      .option('--agent <spiffe-id>', "only this agent's")
      .option('--task <id>', "only this task's"),
  ).action(async (opts: ClientOptions & { status: string; agent?: string; task?: string }) => {
    if (opts.status !== 'all' && !STATUSES.includes(opts.status))
      throw new CliError(
        `--status must be one of ${STATUSES.join(', ')} or all, not \`${opts.status}\``,
        2,
      );
    const list = await adminClient(io, opts).listApprovals({
      ...(opts.status !== 'all' ? { status: opts.status as Approval['status'] } : {}),
      ...(opts.agent ? { agent: opts.agent } : {}),
      ...(opts.task ? { task: opts.task } : {}),
    });
    output(io, opts, list, (l) =>
      l.length === 0 && opts.status === 'pending' ? 'no approval is waiting' : approvalsText(l),
    );
  });
  clientOptions(
    io,
    approvals.command('show <id>').description('show what exactly one approval approves'),
  ).action(async (id: string, opts: ClientOptions) => {
    output(io, opts, await adminClient(io, opts).getApproval(id), approvalText);
  });
}
