import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../common.js';

/** Parses `--rule 'kubernetes.io.namespace=prod,kubernetes.io.serviceaccount.name=builder=>builder'`. */
export function parseRule(text: string): { match: Record<string, string>; agent: string } {
  const [conditions, agent] = text.split('=>');
  if (!conditions || !agent)
    throw new CliError(`rule \`${text}\` must look like claim=value[,claim=value]=>agent`, 2);
  const match: Record<string, string> = {};
  for (const c of conditions.split(',')) {
    const i = c.indexOf('=');
    if (i <= 0) throw new CliError(`rule condition \`${c}\` must look like claim=value`, 2);
    match[c.slice(0, i).trim()] = c.slice(i + 1).trim();
  }
  return { match, agent: agent.trim() };
}

export function register(program: Command, io: CliIo): void {
  const issuer = program
    .command('issuer')
    .description('trusted JWT issuers for attestation (Kubernetes, CI OIDC, any OIDC JWKS)');
  clientOptions(
    io,
    issuer
      .command('add <issuer>')
      .description('trust an issuer; its tokens attest as the agent of the first matching rule')
      .option('--jwks-uri <url>', 'where the issuer publishes its JWKS')
      .option('--jwks-file <file>', 'a JWKS file, for issuers without a reachable JWKS endpoint')
      .requiredOption('--audience <aud>', 'the audience attestation tokens must carry')
      .requiredOption(
        '--rule <rule>',
        'claim=value[,claim=value]=>agent (repeatable)',
        (v: string, prev: string[]) => [...prev, v],
        [] as string[],
      ),
  ).action(
    async (
      iss: string,
      opts: ClientOptions & {
        jwksUri?: string;
        jwksFile?: string;
        audience: string;
        rule: string[];
      },
    ) => {
      const jwks = opts.jwksFile
        ? (JSON.parse(readFileSync(opts.jwksFile, 'utf8')) as { keys: Record<string, unknown>[] })
        : undefined;
      const saved = await adminClient(io, opts).putTrustedIssuer({
        issuer: iss,
        ...(opts.jwksUri ? { jwks_uri: opts.jwksUri } : {}),
        ...(jwks ? { jwks } : {}),
        audience: opts.audience,
        rules: opts.rule.map(parseRule),
      });
      output(
        io,
        opts,
        saved,
        (v) => `trusting ${v.issuer} (${v.rules.length} rule${v.rules.length === 1 ? '' : 's'})`,
      );
    },
  );
  clientOptions(io, issuer.command('list').description('list trusted issuers')).action(
    async (opts: ClientOptions) => {
      const list = await adminClient(io, opts).listTrustedIssuers();
      output(io, opts, list, (is) =>
        table([
          ['ISSUER', 'AUDIENCE', 'KEYS', 'RULES'],
          ...is.map((i) => [
            i.issuer,
            i.audience,
            i.jwks_uri ?? 'inline',
            i.rules
              .map(
                (r) =>
                  `${Object.entries(r.match)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(',')}=>${r.agent}`,
              )
              .join('; '),
          ]),
        ]),
      );
    },
  );
  clientOptions(
    io,
    issuer.command('remove <issuer>').description('stop trusting an issuer'),
  ).action(async (iss: string, opts: ClientOptions) => {
    await adminClient(io, opts).deleteTrustedIssuer(iss);
    output(io, opts, { removed: iss }, (v) => `removed ${v.removed}`);
  });
}
