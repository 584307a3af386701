// `mandate signal send|list` in process (buildProgram) against a real server (default ladder); the
// tasks are started by a MandateAgent (the SDK) in this process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SentSignal, SignalList } from '../../../src/sdk/admin-signals.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, spiffeIdOf } from '../helpers/agents.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

const READ = 'tool:docs/read';

describe('mandate signal (in process)', () => {
  let server: TestServer;
  let args: string[];
  let alpha: MandateAgent;
  const newTask = async () =>
    (await alpha.startTask({ resource: GATEWAY, scope: [READ], ttlSeconds: 600 })).taskId;

  before(async () => {
    server = await startTestServer();
    args = serverArgs(server);
    alpha = await attestedAgent(server, 'alpha', [READ]);
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
  });

  test("send risk 75 about a task prints require_approval and read_only; list shows it with the task's risk and restrictions", async () => {
    const taskId = await newTask();
    const r = await runCli([
      'signal',
      'send',
      '--task',
      taskId,
      '--kind',
      'prompt_injection',
      '--risk',
      '75',
      '--source',
      'guardrail',
      '--reason',
      'tool output asked to ignore instructions',
      ...args,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const id = new RegExp(
      `^signal (\\S+): prompt_injection from guardrail, risk 75, about task ${taskId} \\(agent ${spiffeIdOf(server, 'alpha')}\\)$`,
    ).exec(lines[0]!)?.[1];
    assert.ok(id, r.stdout);
    assert.match(
      lines[1]!,
      /^ {2}counts until \d{4}-.*; reason: tool output asked to ignore instructions$/,
    );
    assert.equal(lines[2], 'responses:');
    assert.match(lines[3]!, new RegExp(`^ {2}require_approval +success +task:${taskId}$`));
    assert.match(lines[4]!, new RegExp(`^ {2}read_only +success +task:${taskId}$`));
    assert.equal(lines.length, 5, r.stdout);

    const list = await cliJson<SignalList>(['signal', 'list', '--task', taskId, ...args]);
    assert.deepEqual(
      [list.task, list.status, list.risk, [...(list.restrictions ?? [])].sort()],
      [taskId, 'active', 75, ['read_only', 'require_approval']],
    );
    const own = list.signals.filter((s) => s.task === taskId);
    assert.deepEqual(
      own.map((s) => [s.id, s.kind, s.risk, s.responses]),
      [[id, 'prompt_injection', 75, ['require_approval', 'read_only']]],
    );
    const text = await runCli(['signal', 'list', '--task', taskId, ...args]);
    const [head, header, ...rows] = text.stdout.trim().split('\n');
    assert.match(
      head!,
      new RegExp(
        `^task ${taskId} \\(active, agent ${spiffeIdOf(server, 'alpha')}\\): risk 75, restrictions (read_only, require_approval|require_approval, read_only)$`,
      ),
    );
    assert.match(header!, /^ID\s+KIND\s+RISK\s+SOURCE\s+ABOUT\s+EXPIRES\s+RESPONSES$/);
    assert.ok(
      rows.some((row) =>
        new RegExp(
          `^${id}\\s+prompt_injection\\s+75\\s+guardrail\\s+task:${taskId}\\s+\\S+\\s+require_approval,read_only$`,
        ).test(row),
      ),
      text.stdout,
    );
  });

  test('send about an agent by confidence, --json; list --agent', async () => {
    const agent = spiffeIdOf(server, 'alpha');
    const sent = await cliJson<SentSignal>([
      'signal',
      'send',
      '--agent',
      agent,
      '--kind',
      'edr.alert',
      '--confidence',
      '0.9',
      '--source',
      'edr',
      '--ttl',
      '120',
      ...args,
    ]);
    assert.deepEqual(
      [sent.agent, sent.task, sent.risk, sent.confidence, sent.responses],
      [agent, null, 10, 0.9, []],
    );
    assert.ok(Math.abs(Date.parse(sent.expires_at) - Date.parse(sent.at) - 120_000) < 1000);
    const text = await runCli([
      'signal',
      'send',
      '--agent',
      agent,
      '--kind',
      'edr.alert',
      '--risk',
      '5',
      '--source',
      'edr',
      ...args,
    ]);
    assert.match(text.stdout, /\nno response: no rung of the ladder and no rule applies/);
    const list = await cliJson<SignalList>(['signal', 'list', '--agent', agent, ...args]);
    assert.ok(list.signals.some((s) => s.id === sent.id && s.task === null));
  });

  test('a bad number is refused before anything is sent, saying what to pass instead; a server refusal shows its detail', async () => {
    const taskId = await newTask();
    const send = (...extra: string[]) =>
      runCli([
        'signal',
        'send',
        '--task',
        taskId,
        '--kind',
        'x',
        '--source',
        's',
        ...extra,
        ...args,
      ]);
    const [fraction, tooHigh, word, badConfidence, badTtl, neither, both] = await Promise.all([
      send('--risk', '0.75'),
      send('--risk', '150'),
      send('--risk', 'high'),
      send('--confidence', '2'),
      send('--risk', '10', '--ttl', '0'),
      send(),
      runCli([
        'signal',
        'send',
        '--task',
        taskId,
        '--agent',
        spiffeIdOf(server, 'alpha'),
        '--kind',
        'x',
        '--source',
        's',
        '--risk',
        '10',
        ...args,
      ]),
    ]);
    for (const r of [fraction, tooHigh, word, badConfidence, badTtl, neither, both]) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
    }
    assert.match(
      fraction.stderr,
      /error: --risk must be a whole number from 0 to 100 \(higher is worse\), not `0\.75`; to give a 0\.\.1 value, pass --confidence instead/,
    );
    assert.match(tooHigh.stderr, /not `150`/);
    assert.match(word.stderr, /not `high`/);
    assert.match(
      badConfidence.stderr,
      /error: --confidence must be a number from 0 to 1 .*, not `2`; to give a 0\.\.100 risk, pass --risk instead/,
    );
    assert.match(
      badTtl.stderr,
      /error: --ttl must be a whole number of seconds, at least 1, not `0`/,
    );
    assert.match(
      neither.stderr,
      /error: pass --risk <0-100> \(higher is worse\) or --confidence <0-1>/,
    );
    assert.match(
      both.stderr,
      /error: say what the signal is about: pass exactly one of --task <id> or --agent <spiffe-id>/,
    );
    assert.deepEqual(
      (await server.admin.signals.list({ task: taskId })).signals.filter((s) => s.task === taskId),
      [],
      'nothing was sent',
    );

    const [unknown, reserved] = await Promise.all([
      runCli([
        'signal',
        'send',
        '--task',
        'no-such-task',
        '--kind',
        'x',
        '--risk',
        '10',
        '--source',
        's',
        ...args,
      ]),
      runCli([
        'signal',
        'send',
        '--task',
        taskId,
        '--kind',
        'x',
        '--risk',
        '10',
        '--source',
        'mandate',
        ...args,
      ]),
    ]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /error: task `no-such-task` does not exist; see `mandate task list`/,
    );
    assert.equal(reserved.code, 1);
    assert.match(
      reserved.stderr,
      /error: .*`mandate` is reserved for the built-in detectors.*\(invalid_request/,
    );
  });
});
