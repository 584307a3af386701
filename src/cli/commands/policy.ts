import type { Command } from 'commander';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { PolicyProblem } from '../../policy/engines/wasm.js';
import type { PolicyFileText } from '../../policy/policy-store.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  type ClientOptions,
  type CliIo,
} from '../common.js';

/** The `.cedar` files of the given directories and files, each named by its file name; `paths` maps a name back to the path given. */
function readPolicyFiles(args: readonly string[]): {
  files: PolicyFileText[];
  paths: Map<string, string>;
} {
  const paths = new Map<string, string>();
  const files: PolicyFileText[] = [];
  const add = (path: string): void => {
    const name = basename(path);
    paths.set(name, path);
    files.push({ name, text: readFileSync(path, 'utf8') });
  };
  for (const arg of args) {
    let isDir: boolean;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      throw new CliError(`cannot read \`${arg}\`: no such file or directory`);
    }
    if (!isDir) add(arg);
    else
      for (const name of readdirSync(arg)
        .filter((n) => n.endsWith('.cedar'))
        .sort())
        add(join(arg, name));
  }
  if (files.length === 0) throw new CliError(`no \`.cedar\` files in ${args.join(', ')}`);
  return { files, paths };
}

function located(e: PolicyProblem, paths: Map<string, string>): string {
  const file = paths.get(e.file) ?? e.file;
  const where = e.line === undefined ? file : `${file}:${e.line}:${e.column ?? 1}`;
  return `${where}: ${e.message}${e.help ? ` (${e.help})` : ''}`;
}

export function register(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .description(
      'policy sets: validate and test locally, activate, roll back and diff on a server',
    );

  policy
    .command('validate')
    .description("validate `.cedar` files (directories or files) against Mandate's schema, offline")
    .argument('<paths...>', 'directories of .cedar files, or .cedar files')
    .option('--json', 'print JSON instead of text')
    .action(async (args: string[], opts: { json?: boolean }) => {
      const { files, paths } = readPolicyFiles(args);
      // Cedar (a WebAssembly module) loads only for the commands that evaluate policies.
      const { validatePolicyFiles } = await import('../../policy/policy-store.js');
      const result = validatePolicyFiles(files);
      output(io, opts, result, (r) =>
        r.valid
          ? `${files.length} policy file(s) valid`
          : r.errors.map((e) => located(e, paths)).join('\n'),
      );
      if (!result.valid) io.exitCode = 1;
    });

  policy
    .command('test')
    .description(
      'run a policy unit-test file: requests and the decision each should get, against the policies it names',
    )
    .argument('<file>', 'JSON: { "policies": "<dir>", "cases": [{ "name", "request", "expect" }] }')
    .option('--json', 'print JSON instead of text')
    .action(async (file: string, opts: { json?: boolean }) => {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CliError(`cannot read \`${file}\`: ${(err as Error).message}`);
      }
      const [
        { CedarWasmEngine },
        { loadSchema },
        { validatePolicyFiles },
        { parsePolicyTestFile, runPolicyTests },
      ] = await Promise.all([
        import('../../policy/engines/wasm.js'),
        import('../../policy/default-pack.js'),
        import('../../policy/policy-store.js'),
        import('../../policy/policy-test.js'),
      ]);
      const spec = parsePolicyTestFile(json);
      const { files, paths } = readPolicyFiles([resolve(dirname(file), spec.policies)]);
      const validation = validatePolicyFiles(files);
      if (!validation.valid)
        throw new CliError(
          `the policies are invalid:\n${validation.errors.map((e) => located(e, paths)).join('\n')}`,
        );
      const point = new CedarWasmEngine({
        policies: files.map((f) => ({ file: f.name, text: f.text })),
        schema: loadSchema(),
      });
      const results = runPolicyTests(point, spec.cases);
      const failed = results.filter((r) => !r.pass).length;
      output(io, opts, { passed: results.length - failed, failed, cases: results }, (v) =>
        [
          ...v.cases.map((r) =>
            r.pass
              ? `pass  ${r.name}`
              : `FAIL  ${r.name}: expected ${r.expect}, got ${r.outcome} (policies: ${r.reasons.join(', ') || '-'}${r.errors.length ? `; errors: ${r.errors.map((e) => e.message).join('; ')}` : ''})`,
          ),
          `${v.passed} passed, ${v.failed} failed`,
        ].join('\n'),
      );
      if (failed > 0) io.exitCode = 1;
    });

  clientOptions(
    io,
    policy
      .command('activate')
      .description(
        'upload a directory of `.cedar` files as a new policy-set version and activate it',
      )
      .argument('<dir>', 'directory of .cedar files'),
  ).action(async (dir: string, opts: ClientOptions) => {
    const { files } = readPolicyFiles([dir]);
    const client = adminClient(io, opts);
    const created = await client.createPolicySet(files);
    const active = await client.activatePolicySet(created.version);
    output(
      io,
      opts,
      active,
      (s) =>
        `policy set ${s.version} is active (${s.files.length} file(s), digest ${s.digest.slice(0, 16)})`,
    );
  });

  clientOptions(
    io,
    policy.command('rollback').description('activate the policy-set version before the active one'),
  ).action(async (opts: ClientOptions) => {
    const active = await adminClient(io, opts).rollbackPolicySet();
    output(io, opts, active, (s) => `rolled back: policy set ${s.version} is active`);
  });

  clientOptions(
    io,
    policy
      .command('replay')
      .description(
        're-decide the decisions recorded on a server with candidate policies; prints exactly those that would change and the determining policies before and after',
      )
      .requiredOption('--candidate <dir>', 'directory of .cedar files')
      .option('--since <when>', 'ISO 8601 time or a duration back from now (e.g. 24h, 7d)', '24h'),
  ).action(async (opts: ClientOptions & { candidate: string; since: string }) => {
    const { files } = readPolicyFiles([opts.candidate]);
    const report = await adminClient(io, opts).replayPolicies(files, opts.since);
    output(io, opts, report, (r) =>
      [
        ...r.changed.map(
          (c) =>
            `${c.decision_id}  ${c.time}  ${c.before} -> ${c.after}  (before: ${c.reasons_before.join(', ') || '-'}; after: ${c.reasons_after.join(', ') || '-'})`,
        ),
        `${r.changed.length} of ${r.total} decision(s) since ${r.since} would change`,
      ].join('\n'),
    );
  });

  clientOptions(io, policy.command('list').description('list policy-set versions')).action(
    async (opts: ClientOptions) => {
      const list = await adminClient(io, opts).listPolicySets();
      output(io, opts, list, (l) =>
        l.policy_sets
          .map(
            (s) =>
              `${s.status === 'active' ? '*' : ' '} ${s.version}  ${s.created_at}  ${s.created_by}  ${s.files.join(', ')}`,
          )
          .join('\n'),
      );
    },
  );

  clientOptions(
    io,
    policy
      .command('diff')
      .description('what changes from one policy-set version to another (0 is the default pack)')
      .argument('<from>')
      .argument('<to>'),
  ).action(async (from: string, to: string, opts: ClientOptions) => {
    const version = (v: string): number => {
      if (!/^\d+$/.test(v)) throw new CliError(`\`${v}\` is not a policy-set version (0, 1, 2, …)`);
      return Number(v);
    };
    const d = await adminClient(io, opts).diffPolicySets(version(from), version(to));
    output(io, opts, d, (v) => {
      const ids = (label: string, list: string[]) =>
        list.length ? [`${label}: ${list.join(', ')}`] : [];
      const lines = [
        ...ids('policies added', v.policies.added),
        ...ids('policies removed', v.policies.removed),
        ...ids('policies changed', v.policies.changed),
        ...v.files.map((f) => f.diff),
      ];
      return lines.length ? lines.join('\n') : `no difference between ${v.from} and ${v.to}`;
    });
  });
}
