// Start-up and readiness (issue 12, item 11). A data directory Mandate cannot write is named,
// with the cause and what to do, instead of "unable to open database file" or an ENOENT; a store
// that cannot write (disk full) turns /readyz to 503 with the reason; and a start seals the
// events a crash left unsealed with a signed checkpoint.
//
// The tests run as root, where chmod does not stop writes. So an unwritable directory is made
// the ways root cannot get around: a path under a regular file (ENOTDIR), a path in /proc (the
// kernel refuses the mkdir with a misleading ENOENT) and, where mounting is allowed, a read-only
// tmpfs (EROFS) and a full one (ENOSPC). Without mount rights those two are skipped, saying so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/core/clock.js';
import { DATABASE_FILE } from '../../../src/server/mandate.js';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../../fakes/server.js';
import { killRunningClis, runCli, spawnCli, stopChild, waitForOutput } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'mandate-startup-'));
const mounts: string[] = [];
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Mounts a tmpfs at a fresh directory; undefined where this process may not mount. */
function tmpfs(options: string): string | undefined {
  const at = mkdtempSync(join(scratch, 'mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  mounts.push(at);
  return at;
}

async function serve(dataDir: string) {
  return runCli(['serve', '--data-dir', dataDir, '--port', '0'], {
    env: { MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
}

describe('start-up with a data directory Mandate cannot write', () => {
  after(async () => {
    await killRunningClis();
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  });

  test('a path under a regular file: names the path and ENOTDIR, exit 2', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');
    const r = await serve(join(file, 'data'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `data directory \`${join(file, 'data')}\` cannot be created \\(ENOTDIR\\): \`${file}\` is not a directory; choose another --data-dir`,
      ),
    );
  });

  test('a path the kernel will not create (/proc): the cause, not a hang or a bare ENOENT', async () => {
    const r = await serve('/proc/mandate-startup-test/data');
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /data directory `\/proc\/mandate-startup-test\/data` cannot be created \(ENOENT\): .*; choose another --data-dir or fix its permissions/,
    );
  });

  test('the database path is a directory: names the database file and the cause', async () => {
    const dir = join(scratch, 'db-is-dir');
    mkdirSync(join(dir, DATABASE_FILE), { recursive: true });
    const r = await serve(dir);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot open the database \`${join(dir, DATABASE_FILE)}\``));
  });

  test('a read-only file system: EROFS named, for the directory and for a path under it', async (t) => {
    const ro = tmpfs('ro,size=1m');
    if (!ro) return t.skip('mount is not allowed here, so no read-only file system can be made');
    const r = await serve(ro);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `data directory \`${ro}\` is not writable \\(EROFS\\): read-only file system; choose another --data-dir or fix its permissions`,
      ),
    );
    const sub = await serve(join(ro, 'sub'));
    assert.equal(sub.code, 2, sub.stderr);
    assert.match(
      sub.stderr,
      new RegExp(`data directory \`${join(ro, 'sub')}\` cannot be created \\(EROFS\\)`),
    );
  });
});

describe('/readyz when the store cannot write', () => {
  const clock = new ManualClock();
  let server: TestServer | undefined;
  let disk: string | undefined;

  before(async () => {
    disk = tmpfs('size=8m');
    if (disk) server = await startTestServer({ dataDir: join(disk, 'data'), clock });
  });
  after(async () => {
    await server?.stop();
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  });

  test('a full disk turns /readyz to 503 with the reason; freeing space turns it back', async (t) => {
    if (!server || !disk)
      return t.skip('mount is not allowed here, so no small file system can be filled');
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const filler = join(disk, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      closeSync(fd);
    }
    clock.advance(2_000);
    const res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { detail: string };
    assert.match(body.detail, /not ready: .*(no space left|disk is full|free)/i, body.detail);
    rmSync(filler);
    clock.advance(2_000);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  });
});

describe('a start after a crash seals what the crash left unsealed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mandate-crash-'));
  after(async () => {
    await killRunningClis();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startAndCrash(work: (url: string) => Promise<void>): Promise<void> {
    // Port 0: the child binds a port the system picks and names it in its banner.
    const child = spawnCli(['serve', '--data-dir', dataDir, '--port', '0'], {
      env: { MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
    });
    const banner = await waitForOutput(child, 'stderr', /mandate listening on [^\n]*\n/);
    const url = /mandate listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)![1]!;
    await work(url);
    await stopChild(child, 'SIGKILL');
  }
  const verify = async () => {
    const r = await runCli(['audit', 'verify', '--data-dir', dataDir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as {
      ok: boolean;
      unsealed_events: number;
      checkpoints_checked: number;
    };
  };

  test('events written before a SIGKILL are sealed by the next start', async () => {
    await startAndCrash(async (url) => {
      const res = await fetch(`${url}/v1/agents`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'crashy', owner: 'ops@example.org', purpose: 'crash test' }),
      });
      assert.equal(res.status, 201, await res.text());
    });
    const crashed = await verify();
    assert.ok(crashed.unsealed_events > 0, 'the crash left events unsealed');
    await startAndCrash(async () => undefined);
    const after = await verify();
    assert.equal(after.ok, true);
    assert.equal(after.unsealed_events, 0, 'the start sealed them');
    assert.ok(after.checkpoints_checked > crashed.checkpoints_checked);
  });
});
