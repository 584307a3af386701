// `mandate keys revoke` in process (buildProgram) and `mandate events watch` as child processes where Ctrl-C/SIGTERM matter, against a real server; the
// tasks are started by MandateAgents (the SDK) in this process.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import type { SigningKey } from '../../../src/sdk/admin-client.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, introspect } from '../helpers/agents.js';
import {
  cliJson,
  killRunningClis,
  runCli,
  serverArgs,
  spawnCli,
  stopChild,
  waitForOutput,
  type CliResult,
} from '../helpers/cli.js';

const READ = 'tool:docs/read';

/** A long-running CLI child whose whole output is kept, and a promise of its end. */
function watching(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

describe('mandate keys revoke, events watch (child process)', () => {
  let server: TestServer;
  let args: string[];
  let alpha: MandateAgent;

  before(async () => {
    server = await startTestServer();
    args = serverArgs(server);
    alpha = await attestedAgent(server, 'alpha', [READ]);
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
  });

  test('keys revoke retires the key; a token it signed is inactive at introspection', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const kid = decodeProtectedHeader(task.accessToken).kid!;
    assert.equal((await introspect(server, task.accessToken)).active, true);

    const r = await runCli(['keys', 'revoke', kid, ...args]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, new RegExp(`^revoked signing key ${kid} \\(token\\) at \\d{4}-`));
    assert.match(r.stdout, /every token it signed is refused everywhere/);
    assert.match(r.stdout, /it was signing task tokens: the next key took over \(\S+\)/);

    const keys = await cliJson<SigningKey[]>(['keys', 'list', ...args]);
    const key = keys.find((k) => k.kid === kid)!;
    assert.deepEqual([key.state, key.published], ['retired', false]);
    assert.ok(
      keys.some((k) => k.purpose === 'token' && k.state === 'active' && k.kid !== kid),
      'another key signs',
    );
    assert.deepEqual(await introspect(server, task.accessToken), { active: false });

    const missing = await runCli(['keys', 'revoke', 'no-such-kid', ...args]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /signing key `no-such-kid` does not exist; see `mandate keys list`/,
    );
  });

  test('events watch --count 1 prints the snapshot summary, then the revocation of a task ended meanwhile, and exits 0', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const { child, done } = watching(['events', 'watch', '--count', '1', ...args]);
    await waitForOutput(
      child,
      'stdout',
      /^snapshot at seq \d+: \d+ tokens, \d+ tasks, \d+ agents, \d+ grants, \d+ approvals, \d+ keys revoked\n/,
    );
    await server.admin.endTask(task.taskId);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[1]!, new RegExp(`^seq \\d+  task  ${task.taskId}  cause task\\.end$`));
  });

  test('events watch --json prints one object per line, --from resumes without a snapshot, SIGTERM exits 0', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const { child, done } = watching(['events', 'watch', '--json', ...args]);
    await waitForOutput(child, 'stdout', /"type":"snapshot".*\n/);
    await server.admin.endTask(task.taskId);
    await waitForOutput(child, 'stdout', new RegExp(`"id":"${task.taskId}".*\\n`));
    assert.deepEqual(await stopChild(child, 'SIGTERM'), { code: 0, signal: null });
    const r = await done;
    const messages = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(messages[0]!.type, 'snapshot');
    assert.ok(Array.isArray(messages[0]!.tasks));
    const ended = messages.find((m) => m.type === 'revocation' && m.id === task.taskId)!;
    assert.deepEqual([ended.kind, ended.cause], ['task', 'task.end']);

    const resumed = await runCli([
      'events',
      'watch',
      '--from',
      String((ended.seq as number) - 1),
      '--count',
      '1',
      '--json',
      ...args,
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(
      JSON.parse(resumed.stdout),
      ended,
      'only the events after --from, no snapshot',
    );
  });

  test('events watch refused by the server, or given a bad --count, exits non-zero saying what to do', async () => {
    const [refused, badCount] = await Promise.all([
      runCli(['events', 'watch', '--url', server.url, '--token', 'not-the-admin-token']),
      runCli(['events', 'watch', '--count', '0', ...args]),
    ]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /error: .*\(unauthorized/);
    assert.match(refused.stderr, /hint: check --token/);
    assert.equal(badCount.code, 2);
    assert.match(badCount.stderr, /--count must be a whole number, at least 1, not `0`/);
  });

  test('events watch exits 1 with a way to resume when the server ends the stream', async () => {
    const other = await startTestServer();
    const { child, done } = watching(['events', 'watch', ...serverArgs(other)]);
    try {
      const snapshot = await waitForOutput(child, 'stdout', /^snapshot at seq (\d+):.*\n/);
      await other.stop();
      const r = await done;
      assert.equal(r.code, 1);
      const seq = /seq (\d+)/.exec(snapshot)![1]!;
      assert.match(
        r.stderr,
        new RegExp(
          `error: the server ended the revocation stream \\(is it shutting down\\?\\); resume with \`mandate events watch --from ${seq}\``,
        ),
      );
    } finally {
      await other.stop().catch(() => undefined);
    }
  });
});
