import type { Command } from 'commander';
import type { Grant, TrustRule } from '../../sdk/admin-client.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../common.js';

function integer(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new CliError(`${flag} must be a whole number of at least ${min}, not \`${text}\``, 2);
  return Number(text);
}

const ruleText = (r: TrustRule): string =>
  `${r.from} → ${r.to}${r.max_depth !== null ? `, depth ≤ ${r.max_depth}` : ''}${r.cross_domain ? ', across trust domains' : ''}`;

function rulesText(rules: TrustRule[]): string {
  if (rules.length === 0)
    return 'no trust rules: no agent may delegate yet (mandate trust-rule add --from <pattern> --to <pattern>)';
  return table([
    ['ID', 'FROM', 'TO', 'MAX DEPTH', 'CROSS DOMAIN'],
    ...rules.map((r) => [
      r.id,
      r.from,
      r.to,
      r.max_depth === null ? '-' : String(r.max_depth),
      r.cross_domain ? 'yes' : 'no',
    ]),
  ]);
}

function grantsText(grants: Grant[]): string {
  if (grants.length === 0)
    return 'no grants: mandate grant create --human <id> --agent <name> --scope <scope> --purpose <text> --ttl <seconds>';
  return table([
    ['ID', 'STATUS', 'HUMAN', 'AGENT', 'EXPIRES', 'SCOPES'],
    ...grants.map((g) => [g.id, g.status, g.human, g.agent, g.expires_at, g.scopes.join(' ')]),
  ]);
}

/** trust-rule add/list/remove and grant create/list/revoke: who may delegate to whom, and for whom. */
export function register(program: Command, io: CliIo): void {
  const rule = program
    .command('trust-rule')
    .description('which agents may delegate to which, how deep, and across trust domains');
  clientOptions(
    io,
    rule
      .command('add')
      .description('allow agents matching --from to delegate to agents matching --to')
      .requiredOption('--from <pattern>', 'a SPIFFE ID, a `spiffe://td/path/*` prefix or `*`')
      .requiredOption('--to <pattern>', 'a SPIFFE ID, a `spiffe://td/path/*` prefix or `*`')
      .option('--max-depth <n>', 'deepest delegation this rule allows')
      .option('--cross-domain', 'allow delegates of another (federated) trust domain'),
  ).action(
    async (
      opts: ClientOptions & { from: string; to: string; maxDepth?: string; crossDomain?: boolean },
    ) => {
      const saved = await adminClient(io, opts).addTrustRule({
        from: opts.from,
        to: opts.to,
        ...(opts.maxDepth !== undefined
          ? { max_depth: integer('--max-depth', opts.maxDepth, 1) }
          : {}),
        ...(opts.crossDomain ? { cross_domain: true } : {}),
      });
      output(io, opts, saved, (r) => `added trust rule ${r.id}: ${ruleText(r)}`);
    },
  );
  clientOptions(io, rule.command('list').description('list trust rules')).action(
    async (opts: ClientOptions) => {
      output(io, opts, await adminClient(io, opts).listTrustRules(), rulesText);
    },
  );
  clientOptions(io, rule.command('remove <id>').description('remove a trust rule')).action(
    async (id: string, opts: ClientOptions) => {
      await adminClient(io, opts).removeTrustRule(id);
      output(io, opts, { removed: id }, (v) => `removed trust rule ${v.removed}`);
    },
  );

  const grant = program
    .command('grant')
    .description("a human's delegation to an agent, for tasks on their behalf");
  clientOptions(
    io,
    grant
      .command('create')
      .description('record that a human lets an agent act for them, within scopes, for a while')
      .requiredOption('--human <id>', 'who delegates (e.g. alice@example.org)')
      .requiredOption('--agent <name>', 'the agent (name or SPIFFE ID)')
      .requiredOption('--scope <scope...>', 'scopes the agent may use on their behalf')
      .requiredOption('--purpose <text>', 'what for')
      .requiredOption('--ttl <seconds>', 'how long the grant lasts'),
  ).action(
    async (
      opts: ClientOptions & {
        human: string;
        agent: string;
        scope: string[];
        purpose: string;
        ttl: string;
      },
    ) => {
      const created = await adminClient(io, opts).createGrant({
        human: opts.human,
        agent: opts.agent,
        scopes: opts.scope,
        purpose: opts.purpose,
        ttl: integer('--ttl', opts.ttl, 1),
      });
      output(
        io,
        opts,
        created,
        (g) =>
          `created grant ${g.id}: ${g.human} → ${g.agent} (${g.scopes.join(' ')}) until ${g.expires_at}`,
      );
    },
  );
  clientOptions(
    io,
    grant
      .command('list')
      .description('list grants')
      .option('--human <id>', "only this human's grants")
      .option('--agent <spiffe-id>', 'only grants to this agent'),
  ).action(async (opts: ClientOptions & { human?: string; agent?: string }) => {
    output(
      io,
      opts,
      await adminClient(io, opts).listGrants({
        ...(opts.human ? { human: opts.human } : {}),
        ...(opts.agent ? { agent: opts.agent } : {}),
      }),
      grantsText,
    );
  });
  clientOptions(
    io,
    grant
      .command('revoke <id>')
      .description('revoke a grant: every token derived from it stops working'),
  ).action(async (id: string, opts: ClientOptions) => {
    output(
      io,
      opts,
      await adminClient(io, opts).revokeGrant(id),
      (g) => `grant ${g.id} is ${g.status}`,
    );
  });
}
