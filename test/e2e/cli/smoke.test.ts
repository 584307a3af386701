// `mandate` as a real child process (node --import tsx src/cli/main.ts): the few things only a
// process shows (the binary's own help, version, exit codes, `serve` until SIGTERM) and what a
// command loads. Every other CLI test runs the commands in process (helpers/cli.ts runCli).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, tempDataDir, type TestServer } from '../../fakes/server.js';
import {
  cliJson,
  killRunningClis,
  runCliProcess,
  serverArgs,
  spawnCli,
  stopChild,
  waitForOutput,
} from '../helpers/cli.js';

const TRACE = ['--import', './test/e2e/helpers/trace-imports.mjs'];

/**
 * What `--help` and the admin commands must not load: the server stack, Cedar, the MCP SDK,
 * openid-client, x509, SSF and the broker (each costs start-up time; none is needed to print help
 * or to call the admin API).
 */
const HEAVY = [
  /\/src\/server\//,
  /\/src\/storage\//,
  /\/src\/gateway\//,
  /\/src\/ssf\//,
  /\/src\/broker\//,
  /\/src\/identity\/x509\//,
  /\/src\/policy\//,
  /@cedar-policy/,
  /@modelcontextprotocol/,
  /openid-client/,
  /@peculiar/,
  /fastify/,
  /better-sqlite3/,
  /\/zod\//,
];

describe('mandate binary (child process)', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const tmp = () => {
    const dir = tempDataDir('mandate-smoke-');
    dirs.push(dir);
    return dir;
  };

  /** Runs `mandate <args>` as a child and returns the urls of the modules it loaded, with its result. */
  async function traced(args: string[], env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-trace-'));
    dirs.push(dir);
    const log = join(dir, 'imports.log');
    const r = await runCliProcess(args, {
      env: { ...env, MANDATE_TRACE_IMPORTS: log },
      nodeArgs: TRACE,
    });
    return { r, loaded: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  }

  const heavy = (loaded: string[]) => loaded.filter((url) => HEAVY.some((re) => re.test(url)));

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('--help lists the commands, exits 0 and loads none of the server stack', async () => {
    const { r, loaded } = await traced(['--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const cmd of ['serve', 'agent', 'audit', 'policy', 'ssf', 'secret', 'events'])
      assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
    assert.ok(
      loaded.some((url) => url.endsWith('/src/cli/program.ts')),
      'the trace saw the program',
    );
    assert.deepEqual(heavy(loaded), []);
  });

  test('--version prints the version; an unknown command exits 1 with the help', async () => {
    const version = await runCliProcess(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), '0.1.0');
    const unknown = await runCliProcess(['no-such-command']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command 'no-such-command'/);
  });

  test('an admin command against a server: its output and exit 0; an api error exits 1 with a hint; neither loads the server stack', async () => {
    await server.admin.registerAgent({
      name: 'smoke-bot',
      owner: 'ops@example.org',
      purpose: 'smoke test',
    });
    const { r: list, loaded } = await traced(['agent', 'list', '--json', ...serverArgs(server)]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as { name: string }[]).some((a) => a.name === 'smoke-bot'));
    assert.deepEqual(heavy(loaded), []);
    const missing = await runCliProcess(['agent', 'show', 'nobody', ...serverArgs(server)]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /\(not_found/);
    assert.match(missing.stderr, /hint: list what exists with `mandate agent list`/);
  });

  test('serve --help lists the setting flags (loaded for serve only)', async () => {
    const r = await runCliProcess(['serve', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /--config <file>/);
    assert.match(r.stdout, /--data-dir <value>/);
    assert.match(r.stdout, /--trust-domain <value>/);
  });

  test('serve on a real port prints the banner with the admin-token path and exits 0 on SIGTERM', async () => {
    const dataDir = tmp();
    // Port 0: the child binds a port the system picks and names it in its banner.
    const child = spawnCli([
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'silent',
    ]);
    let exit: Awaited<ReturnType<typeof stopChild>>;
    try {
      // The banner is one write, master key last; no MANDATE_ADMIN_TOKEN, so a token is generated.
      const banner = await waitForOutput(child, 'stderr', /master key[^\n]*\n/);
      const tokenPath = join(dataDir, 'admin-token');
      const listening = /mandate listening on http:\/\/127\.0\.0\.1:([1-9]\d*)/.exec(banner);
      assert.ok(listening, banner);
      const port = listening[1]!;
      assert.ok(
        banner.includes(`admin token   ${tokenPath} (generated now; keep it safe)`),
        banner,
      );
      assert.ok(
        banner.includes(`master key    ${join(dataDir, 'master.key')} (generated now`),
        banner,
      );
      assert.equal(statSync(tokenPath).mode & 0o777, 0o600);
      const token = readFileSync(tokenPath, 'utf8').trim();
      assert.deepEqual(
        await cliJson(['agent', 'list', '--url', `http://127.0.0.1:${port}`, '--token', token]),
        [],
      );
    } finally {
      exit = await stopChild(child, 'SIGTERM');
    }
    assert.deepEqual(exit, { code: 0, signal: null }, 'a clean shutdown on SIGTERM');
  });
});
