import type { Command } from 'commander';
import type { Agent } from '../../../sdk/admin-client.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';

export function describeAgent(a: Agent): string {
  return [
    `name        ${a.name}`,
    `spiffe id   ${a.spiffe_id}`,
    `status      ${a.status}`,
    `owner       ${a.owner}`,
    `purpose     ${a.purpose}`,
    `labels      ${
      Object.entries(a.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || '-'
    }`,
    `scopes      ${a.allowed_scopes.join(' ') || '- (no task scopes: add with --scope)'}`,
    `dpop        ${a.require_dpop ? 'required' : 'optional'}`,
    `limits      max task ttl ${a.limits.max_task_ttl_seconds}s, max delegation depth ${a.limits.max_delegation_depth}`,
    `created     ${a.created_at}`,
  ].join('\n');
}

function parseLabels(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new CliError(`label \`${v}\` must look like key=value`, 2);
    labels[v.slice(0, i)] = v.slice(i + 1);
  }
  return labels;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command, io: CliIo): void {
  const agent = program.command('agent').description('register and manage agents');

  clientOptions(
    io,
    agent
      .command('add <name>')
      .description('register an agent: spiffe://<trust-domain>/agent/<name>')
      .requiredOption('--owner <owner>', 'who owns the agent (a person or team)')
      .requiredOption('--purpose <text>', 'what the agent is for')
      .option('--label <key=value>', 'a label (repeatable)', collect, [])
      .option(
        '--scope <scope>',
        'a scope its tasks may hold, e.g. tool:github/* (repeatable)',
        collect,
        [],
      )
      .option('--require-dpop', 'its task tokens must be DPoP-bound')
      .option('--max-task-ttl <seconds>', 'longest task token it may hold')
      .option('--max-delegation-depth <n>', 'deepest delegation chain it may take part in'),
  ).action(
    async (
      name: string,
      opts: ClientOptions & {
        owner: string;
        purpose: string;
        label: string[];
        scope: string[];
        requireDpop?: boolean;
        maxTaskTtl?: string;
        maxDelegationDepth?: string;
      },
    ) => {
      const limits = {
        ...(opts.maxTaskTtl ? { max_task_ttl_seconds: Number(opts.maxTaskTtl) } : {}),
        ...(opts.maxDelegationDepth
          ? { max_delegation_depth: Number(opts.maxDelegationDepth) }
          : {}),
      };
      const a = await adminClient(io, opts).registerAgent({
        name,
        owner: opts.owner,
        purpose: opts.purpose,
        labels: parseLabels(opts.label),
        allowed_scopes: opts.scope,
        require_dpop: Boolean(opts.requireDpop),
        limits,
      });
      output(
        io,
        opts,
        a,
        (v) => `registered ${v.spiffe_id}\nnext: mandate join-token create ${v.name}`,
      );
    },
  );

  clientOptions(
    io,
    agent
      .command('list')
      .description('list agents')
      .option('--status <status>', 'active, suspended or retired')
      .option('--owner <owner>', "only this owner's agents"),
  ).action(async (opts: ClientOptions & { status?: string; owner?: string }) => {
    const agents = await adminClient(io, opts).listAgents({
      ...(opts.status ? { status: opts.status } : {}),
      ...(opts.owner ? { owner: opts.owner } : {}),
    });
    output(io, opts, agents, (list) =>
      list.length
        ? table([
            ['NAME', 'STATUS', 'OWNER', 'SPIFFE ID'],
            ...list.map((a) => [a.name, a.status, a.owner, a.spiffe_id]),
          ])
        : 'no agents yet: mandate agent add <name> --owner <owner> --purpose <text>',
    );
  });

  clientOptions(io, agent.command('show <name>').description('show one agent')).action(
    async (name: string, opts: ClientOptions) => {
      output(io, opts, await adminClient(io, opts).getAgent(name), describeAgent);
    },
  );

  for (const [verb, description] of [
    ['suspend', 'suspend an agent: it can no longer attest or get credentials'],
    ['resume', 'reactivate a suspended agent'],
    ['retire', 'retire an agent for good'],
  ] as const) {
    clientOptions(io, agent.command(`${verb} <name>`).description(description)).action(
      async (name: string, opts: ClientOptions) => {
        const client = adminClient(io, opts);
        const a =
          verb === 'suspend'
            ? await client.suspendAgent(name)
            : verb === 'resume'
              ? await client.resumeAgent(name)
              : await client.retireAgent(name);
        output(io, opts, a, (v) => `${v.name} is ${v.status}`);
      },
    );
  }
}
