// mandate secret put|rotate|list|show|disable|enable|delete in process (buildProgram) against a real
// server: the value comes from a file, an environment variable or stdin, never an argument, and
// no command prints it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { cliJson, runCli } from '../helpers/cli.js';

const FROM_FILE = 'file-secret-0123456789abcdef';
const FROM_ENV = 'env-secret-0123456789abcdef';
const FROM_STDIN = 'stdin-secret-0123456789abcdef';

interface SecretJson {
  id: string;
  version: number;
  status: string;
  description: string;
  type: string;
}

/** `mandate <args>` with `input` on its stdin. */
function runWithStdin(
  args: string[],
  input: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { env, stdin: input });
}

describe('mandate secret', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;
  const outputs: string[] = [];

  before(async () => {
    server = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'mandate-secret-cli-'));
    env = { MANDATE_URL: server.url, MANDATE_ADMIN_TOKEN: server.adminToken };
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('put from a file (its final newline dropped), from an env var, from stdin', async () => {
    const file = join(dir, 'stripe.key');
    writeFileSync(file, `${FROM_FILE}\n`, { mode: 0o600 });
    const a = await cliJson<SecretJson>(
      [
        'secret',
        'put',
        'stripe',
        '--from-file',
        file,
        '--description',
        'stripe live key',
        '--type',
        'api_key',
      ],
      { env },
    );
    assert.deepEqual(
      [a.id, a.version, a.type, a.description],
      ['stripe', 1, 'api_key', 'stripe live key'],
    );
    assert.equal((await server.mandate.secrets.reveal('stripe')).value, FROM_FILE);
    const b = await cliJson<SecretJson>(['secret', 'put', 'github', '--from-env', 'GH_TOKEN'], {
      env: { ...env, GH_TOKEN: FROM_ENV },
    });
    assert.equal(b.version, 1);
    assert.equal((await server.mandate.secrets.reveal('github')).value, FROM_ENV);
    const c = await runWithStdin(['secret', 'put', 'slack'], `${FROM_STDIN}\n`, env);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /stored secret slack, version 1/);
    assert.equal((await server.mandate.secrets.reveal('slack')).value, FROM_STDIN);
    outputs.push(JSON.stringify([a, b]), c.stdout, c.stderr);
  });

  test('rotate stores the next version; rotate of an unknown secret says how to create it', async () => {
    const rotated = await runWithStdin(
      ['secret', 'rotate', 'github', '--json'],
      'rotated-value-0123456789',
      env,
    );
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal((JSON.parse(rotated.stdout) as SecretJson).version, 2);
    assert.equal((await server.mandate.secrets.reveal('github')).ref.version, 2);
    const missing = await runWithStdin(['secret', 'rotate', 'nope'], 'x', env);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /secret `nope` does not exist; create it with `mandate secret put nope`/,
    );
    outputs.push(rotated.stdout, rotated.stderr);
  });

  test('a value on the command line is refused; so are an unset variable and empty input', async () => {
    const positional = await runCli(['secret', 'put', 'x', 'inline-secret-value'], { env });
    assert.notEqual(positional.code, 0);
    assert.ok(
      !positional.stderr.includes('inline-secret-value'),
      'the refused value is not echoed',
    );
    const unset = await runCli(['secret', 'put', 'x', '--from-env', 'MANDATE_TEST_UNSET_VAR'], {
      env,
    });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /`MANDATE_TEST_UNSET_VAR` is not set or empty/);
    const empty = await runWithStdin(['secret', 'put', 'x'], '\n', env);
    assert.equal(empty.code, 2);
    assert.deepEqual((await server.admin.listSecrets()).map((s) => s.id).sort(), [
      'github',
      'slack',
      'stripe',
    ]);
  });

  test('list, show, disable, enable, delete print metadata and never a value', async () => {
    const list = await runCli(['secret', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ID\s+TYPE\s+STATUS\s+VERSION/);
    assert.match(list.stdout, /github\s+opaque\s+active\s+2/);
    const show = await runCli(['secret', 'show', 'stripe'], { env });
    assert.match(show.stdout, /description\s+stripe live key/);
    assert.match(
      (await runCli(['secret', 'disable', 'slack'], { env })).stdout,
      /secret slack is disabled/,
    );
    assert.match(
      (await runCli(['secret', 'enable', 'slack'], { env })).stdout,
      /secret slack is active/,
    );
    assert.match(
      (await runCli(['secret', 'delete', 'slack'], { env })).stdout,
      /deleted secret slack/,
    );
    const json = await cliJson<SecretJson[]>(['secret', 'list'], { env });
    assert.deepEqual(
      json.map((s) => s.id),
      ['github', 'stripe'],
    );
    outputs.push(list.stdout, show.stdout, JSON.stringify(json));
    for (const out of outputs)
      for (const v of [FROM_FILE, FROM_ENV, FROM_STDIN, 'rotated-value-0123456789'])
        assert.ok(!out.includes(v), 'a value was printed');
  });
});
