import type { Command } from 'commander';
import type { Task, TaskDetail, TaskTokenInfo } from '../../sdk/admin-client.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../common.js';

const STATUSES = ['active', 'ended', 'expired'] as const;

/** A token id shortened for the tree: enough to tell siblings apart. */
const short = (id: string): string => (id.length > 8 ? `${id.slice(0, 8)}…` : id);

function tokenLine(t: TaskTokenInfo, now: number): string {
  const state = t.revoked_at ? '  REVOKED' : Date.parse(t.expires_at) <= now ? '  EXPIRED' : '';
  return `${short(t.jti)} ${t.holder}  ${t.scopes.join(' ') || '-'}  ${t.depth === 0 ? '(root)' : `depth ${t.depth}`}${t.dpop_bound ? '  dpop' : ''}${state}`;
}

/**
 * The delegation chain of a task as a tree, from the tokens' parent links. A token whose parent
 * is not in the list (it should not happen) is shown as a root rather than dropped.
 */
export function renderTokenTree(tokens: TaskTokenInfo[], now = Date.now()): string[] {
  const ids = new Set(tokens.map((t) => t.jti));
  const children = new Map<string | null, TaskTokenInfo[]>();
  for (const t of tokens) {
    const key = t.parent !== null && ids.has(t.parent) ? t.parent : null;
    children.set(key, [...(children.get(key) ?? []), t]);
  }
  for (const list of children.values())
    list.sort((a, b) => a.issued_at.localeCompare(b.issued_at) || a.jti.localeCompare(b.jti));
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, prefix: string): void => {
    const kids = (children.get(parent) ?? []).filter((t) => !seen.has(t.jti));
    kids.forEach((t, i) => {
      seen.add(t.jti);
      const last = i === kids.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${tokenLine(t, now)}`);
      walk(t.jti, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(null, '');
  return lines;
}

export function describeTask(t: TaskDetail, now = Date.now()): string {
  return [
    `task ${t.id}  ${t.status}  ${JSON.stringify(t.purpose)}  expires ${t.expires_at}`,
    ...(t.tokens.length ? renderTokenTree(t.tokens, now) : ['(no tokens)']),
    '',
    `agent     ${t.agent}`,
    ...(t.subject !== t.agent
      ? [`on behalf of  ${t.subject}${t.grant_id ? ` (grant ${t.grant_id})` : ''}`]
      : []),
    `scopes    ${t.scopes.join(' ') || '-'}`,
    `audience  ${t.audience.join(' ')}`,
    `created   ${t.created_at}`,
    ...(t.ended_at
      ? [`${t.status}     ${t.ended_at}${t.ended_by ? ` by ${t.ended_by}` : ''}`]
      : []),
  ].join('\n');
}

function listText(tasks: Task[]): string {
  if (tasks.length === 0)
    return 'no tasks: agents start them at the token endpoint (MandateAgent.startTask in the sdk)';
  return table([
    ['ID', 'STATUS', 'AGENT', 'EXPIRES', 'PURPOSE'],
    ...tasks.map((t) => [t.id, t.status, t.agent, t.expires_at, t.purpose]),
  ]);
}

/** task list, show, end: the task lifecycle as an admin sees it. */
export function register(program: Command, io: CliIo): void {
  const task = program
    .command('task')
    .description('tasks: their tokens, delegation chains and ending them');

  clientOptions(
    io,
    task
      .command('list')
      .description('list tasks, newest first')
      .option('--agent <spiffe-id>', 'only tasks this agent started')
      .option('--status <status>', 'active, ended or expired'),
  ).action(async (opts: ClientOptions & { agent?: string; status?: string }) => {
    const status = opts.status;
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status))
      throw new CliError(`--status must be one of ${STATUSES.join(', ')}, not \`${status}\``, 2);
    const tasks = await adminClient(io, opts).listTasks({
      ...(opts.agent ? { agent: opts.agent } : {}),
      ...(status ? { status: status as Task['status'] } : {}),
    });
    output(io, opts, tasks, listText);
  });

  clientOptions(
    io,
    task.command('show <id>').description('show a task and the tree of tokens delegated under it'),
  ).action(async (id: string, opts: ClientOptions) => {
    output(io, opts, await adminClient(io, opts).getTask(id), (t) => describeTask(t));
  });

  clientOptions(
    io,
    task.command('end <id>').description('end a task: every token issued under it is revoked'),
  ).action(async (id: string, opts: ClientOptions) => {
    output(
      io,
      opts,
      await adminClient(io, opts).endTask(id),
      (t) => `task ${t.id} is ${t.status}; every token issued under it is revoked`,
    );
  });
}
