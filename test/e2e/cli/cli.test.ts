import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Agent, SigningKey } from '../../../src/sdk/admin-client.js';
import { startTestServer, tempDataDir, type TestServer } from '../../fakes/server.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

const AUDIENCE = 'https://tools.example.org';

// The commands run in this process through buildProgram (helpers/cli.ts runCli); smoke.test.ts runs
// the real binary as a child process, including `serve` until SIGTERM.
describe('mandate CLI (in process)', () => {
  let server: TestServer;
  let args: string[];
  const dirs: string[] = [];
  const tmp = () => {
    const dir = tempDataDir('mandate-cli-');
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    server = await startTestServer();
    args = serverArgs(server);
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('serve with a bad flag exits 2 naming the key, before touching the data dir', async () => {
    const dataDir = tmp();
    const [port, td] = await Promise.all([
      runCli(['serve', '--port', 'abc', '--data-dir', dataDir]),
      runCli(['serve', '--port', '0', '--trust-domain', 'Bad.Domain', '--data-dir', dataDir]),
    ]);
    assert.equal(port.code, 2, port.stderr);
    assert.match(
      port.stderr,
      /error: invalid configuration: `port` from --port is `abc`; expected an integer from 0 to 65535/,
    );
    assert.equal(td.code, 2, td.stderr);
    assert.match(
      td.stderr,
      /error: invalid configuration: `trustDomain` from --trust-domain is `Bad\.Domain`; expected a lowercase trust domain name/,
    );
    assert.deepEqual(readdirSync(dataDir), []);
  });

  test('agent add | list | show | suspend | resume | retire with --json', async () => {
    const added = await cliJson<Agent>([
      'agent',
      'add',
      'cli-bot',
      '--owner',
      'alice@example.org',
      '--purpose',
      'cli test',
      '--label',
      'team=platform',
      '--max-task-ttl',
      '600',
      ...args,
    ]);
    assert.equal(added.spiffe_id, 'spiffe://mandate.local/agent/cli-bot');
    assert.equal(added.status, 'active');
    assert.deepEqual(added.labels, { team: 'platform' });
    assert.equal(added.limits.max_task_ttl_seconds, 600);
    assert.ok(
      (await cliJson<Agent[]>(['agent', 'list', ...args])).some((a) => a.name === 'cli-bot'),
    );
    assert.deepEqual(await cliJson<Agent>(['agent', 'show', 'cli-bot', ...args]), added);
    assert.equal(
      (await cliJson<Agent>(['agent', 'suspend', 'cli-bot', ...args])).status,
      'suspended',
    );
    assert.deepEqual(
      (await cliJson<Agent[]>(['agent', 'list', '--status', 'suspended', ...args])).map(
        (a) => a.name,
      ),
      ['cli-bot'],
    );
    assert.equal((await cliJson<Agent>(['agent', 'resume', 'cli-bot', ...args])).status, 'active');
    assert.equal((await cliJson<Agent>(['agent', 'retire', 'cli-bot', ...args])).status, 'retired');
    assert.equal((await server.admin.getAgent('cli-bot')).status, 'retired', 'the server agrees');
  });

  test('agent show of an unknown agent exits non-zero with a hint', async () => {
    const r = await runCli(['agent', 'show', 'nobody', ...args]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(not_found/);
    assert.match(r.stderr, /hint: list what exists with `mandate agent list`/);
  });

  test('join-token create, then attest --join-token prints a JWT-SVID; reusing the token fails with a hint', async () => {
    await server.admin.registerAgent({
      name: 'cli-attest',
      owner: 'ops@example.org',
      purpose: 'cli test',
    });
    const jt = await cliJson<{ join_token: string; agent: string; expires_at: string }>([
      'join-token',
      'create',
      'cli-attest',
      ...args,
    ]);
    assert.equal(jt.agent, 'cli-attest');
    const r = await runCli([
      'attest',
      '--join-token',
      jt.join_token,
      '--audience',
      AUDIENCE,
      '--url',
      server.url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const jwt = r.stdout.trim();
    assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'only the JWT on stdout');
    const { payload } = await jwtVerify(
      jwt,
      createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)),
      { audience: AUDIENCE },
    );
    assert.equal(payload.sub, 'spiffe://mandate.local/agent/cli-attest');

    const again = await runCli([
      'attest',
      '--join-token',
      jt.join_token,
      '--audience',
      AUDIENCE,
      '--url',
      server.url,
    ]);
    assert.equal(again.code, 1);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /\(attestation_failed/);
    assert.match(again.stderr, /hint: join tokens are single use/);
  });

  test('svid x509 --out writes key.pem (0600), cert.pem and bundle.pem that openssl verify accepts', async () => {
    await server.admin.registerAgent({
      name: 'cli-x509',
      owner: 'ops@example.org',
      purpose: 'cli test',
    });
    const { join_token } = await server.admin.createJoinToken('cli-x509');
    const out = join(tmp(), 'svid');
    const r = await runCli([
      'svid',
      'x509',
      '--join-token',
      join_token,
      '--out',
      out,
      '--url',
      server.url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [key, cert, bundle] = ['key.pem', 'cert.pem', 'bundle.pem'].map((f) => join(out, f)) as [
      string,
      string,
      string,
    ];
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.match(readFileSync(key, 'utf8'), /-----BEGIN PRIVATE KEY-----/);
    assert.match(
      execFileSync('openssl', ['verify', '-CAfile', bundle, cert], { encoding: 'utf8' }),
      /cert\.pem: OK/,
    );
    assert.match(
      execFileSync('openssl', ['x509', '-in', cert, '-noout', '-ext', 'subjectAltName'], {
        encoding: 'utf8',
      }),
      /URI:spiffe:\/\/mandate\.local\/agent\/cli-x509/,
    );
    assert.match(r.stdout, /spiffe:\/\/mandate\.local\/agent\/cli-x509, valid until/);
  });

  test('keys list, keys rotate: the published next key starts signing', async () => {
    const before1 = await cliJson<SigningKey[]>(['keys', 'list', ...args]);
    const nextOf = (purpose: string) =>
      before1.find((k) => k.purpose === purpose && k.state === 'next')!.kid;
    const activeOf = (purpose: string) =>
      before1.find((k) => k.purpose === purpose && k.state === 'active')!.kid;
    const rotated = await cliJson<
      { purpose: string; activated: string; retired: string | null; next: string }[]
    >(['keys', 'rotate', ...args]);
    assert.deepEqual(rotated.map((r) => r.purpose).sort(), ['jwt-svid', 'token']);
    for (const r of rotated) {
      assert.equal(r.activated, nextOf(r.purpose));
      assert.equal(r.retired, activeOf(r.purpose));
    }
    const after1 = await cliJson<SigningKey[]>(['keys', 'list', ...args]);
    for (const r of rotated) {
      const state = (kid: string | null) => after1.find((k) => k.kid === kid);
      assert.equal(state(r.activated)?.state, 'active');
      assert.deepEqual([state(r.retired)?.state, state(r.retired)?.published], ['retired', true]);
      assert.equal(state(r.next)?.state, 'next');
    }
  });

  test('MANDATE_URL and MANDATE_ADMIN_TOKEN stand in for --url and --token', async () => {
    const r = await runCli(['keys', 'list', '--json'], {
      env: { MANDATE_URL: server.url, MANDATE_ADMIN_TOKEN: server.adminToken },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as SigningKey[]).length >= 4);
  });

  test('a wrong or missing token exits non-zero with a hint', async () => {
    const [wrong, missing] = await Promise.all([
      runCli(['agent', 'list', '--url', server.url, '--token', 'not-the-admin-token']),
      runCli(['agent', 'list', '--url', server.url]),
    ]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /error: admin token is not valid \(unauthorized/);
    assert.match(wrong.stderr, /hint: check --token \/ MANDATE_ADMIN_TOKEN/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: no admin token: pass --token or set MANDATE_ADMIN_TOKEN/);
  });

  test('with no server running, commands say they cannot reach it', async () => {
    // A port held on port 0 where nothing answers HTTP: every connection is dropped at once, as
    // with no server, but no other process can take the port meanwhile (a freed port could).
    const dead = createTcpServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    const [list, att] = await Promise.all([
      runCli(['agent', 'list', '--url', url, '--token', server.adminToken]),
      runCli(['attest', '--join-token', 'jt_whatever', '--audience', AUDIENCE, '--url', url]),
    ]).finally(() => new Promise((resolve) => dead.close(resolve)));
    for (const r of [list, att]) {
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `error: cannot reach the Mandate server at ${url.replace(/\./g, '\\.')}.*is it running \\(mandate serve\\)`,
        ),
      );
    }
  });
});
