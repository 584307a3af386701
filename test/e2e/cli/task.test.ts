// `mandate task|trust-rule|grant` in process (buildProgram) against a real server; the tasks are made
// by MandateAgents (the SDK) in this process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Grant, Task, TaskDetail, TrustRule } from '../../../src/sdk/admin-client.js';
import type { MandateAgent, TaskToken } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, introspect, spiffeIdOf } from '../helpers/agents.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

const READ = 'tool:github/read';
const WRITE = 'tool:github/write';
const short = (jti: string) => `${jti.slice(0, 8)}…`;

describe('mandate task, trust-rule, grant (in process)', () => {
  let server: TestServer;
  let args: string[];
  let alpha: MandateAgent;
  let beta: MandateAgent;
  let gamma: MandateAgent;
  let id: (name: string) => string;

  before(async () => {
    server = await startTestServer();
    args = serverArgs(server);
    id = (name) => spiffeIdOf(server, name);
    [alpha, beta, gamma] = await Promise.all([
      attestedAgent(server, 'alpha', [READ, WRITE]),
      attestedAgent(server, 'beta', [READ]),
      attestedAgent(server, 'gamma', [READ]),
    ]);
    await server.admin.addTrustRule({
      from: id('alpha'),
      to: `spiffe://${server.config.trustDomain}/agent/*`,
    });
    await server.admin.addTrustRule({ from: id('beta'), to: id('gamma'), max_depth: 2 });
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
  });

  /** alpha → beta (read) → gamma (read), and alpha → gamma (write), revoked. */
  async function delegatedTask(purpose: string): Promise<{
    root: TaskToken;
    toBeta: TaskToken;
    toGammaViaBeta: TaskToken;
    toGamma: TaskToken;
  }> {
    const root = await alpha.startTask({ resource: GATEWAY, scope: [READ, WRITE], purpose });
    const toBeta = await alpha.delegate(root, {
      delegateSvid: await beta.delegationSvidFor(id('alpha')),
      scope: [READ],
    });
    const toGamma = await alpha.delegate(root, {
      delegateSvid: await gamma.delegationSvidFor(id('alpha')),
      scope: [WRITE],
    });
    const toGammaViaBeta = await beta.delegate(toBeta, {
      delegateSvid: await gamma.delegationSvidFor(id('beta')),
    });
    await alpha.revoke(toGamma);
    return { root, toBeta, toGammaViaBeta, toGamma };
  }

  test('task show draws the delegation tree: agents, depth, REVOKED; --json has the tokens', async () => {
    const { root, toGamma, toGammaViaBeta } = await delegatedTask('reconcile invoices');
    const detail = await cliJson<TaskDetail>(['task', 'show', root.taskId, ...args]);
    assert.equal(detail.id, root.taskId);
    assert.equal(detail.status, 'active');
    assert.equal(detail.tokens.length, 4);
    const jti = (holder: string, depth: number, scope: string) =>
      detail.tokens.find(
        (t) => t.holder === holder && t.depth === depth && t.scopes.join(' ') === scope,
      )!.jti;
    assert.ok(detail.tokens.find((t) => t.jti === jti(id('gamma'), 1, WRITE))?.revoked_at);
    assert.equal(detail.tokens.find((t) => t.depth === 2)?.parent, jti(id('beta'), 1, READ));

    const r = await runCli(['task', 'show', root.taskId, ...args]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0]!,
      new RegExp(`^task ${root.taskId}  active  "reconcile invoices"  expires \\d{4}-`),
    );
    const toBetaLine = `${short(jti(id('beta'), 1, READ))} ${id('beta')}  ${READ}  depth 1`;
    const viaBetaLine = `${short(jti(id('gamma'), 2, READ))} ${id('gamma')}  ${READ}  depth 2`;
    const toGammaLine = `${short(jti(id('gamma'), 1, WRITE))} ${id('gamma')}  ${WRITE}  depth 1  REVOKED`;
    // Siblings are in issue order; tokens issued in the same second, in jti order.
    const [first] = detail.tokens
      .filter((t) => t.depth === 1)
      .sort((a, b) => a.issued_at.localeCompare(b.issued_at) || a.jti.localeCompare(b.jti));
    const children =
      first!.holder === id('beta')
        ? [`   ├─ ${toBetaLine}`, `   │  └─ ${viaBetaLine}`, `   └─ ${toGammaLine}`]
        : [`   ├─ ${toGammaLine}`, `   └─ ${toBetaLine}`, `      └─ ${viaBetaLine}`];
    assert.deepEqual(lines.slice(1, 5), [
      `└─ ${short(jti(id('alpha'), 0, `${READ} ${WRITE}`))} ${id('alpha')}  ${READ} ${WRITE}  (root)`,
      ...children,
    ]);
    assert.match(r.stdout, new RegExp(`agent     ${id('alpha')}`));
    assert.match(r.stdout, new RegExp(`audience  ${GATEWAY}`));
    assert.equal((await introspect(server, toGamma.accessToken)).active, false);
    assert.equal((await introspect(server, toGammaViaBeta.accessToken)).active, true);
  });

  test('task list filters by agent and status, text and --json', async () => {
    const mine = await alpha.startTask({
      resource: GATEWAY,
      scope: [READ],
      purpose: 'listed task',
    });
    const other = await beta.startTask({ resource: GATEWAY, scope: [READ], purpose: 'beta task' });
    const [all, alphas, ended, text] = await Promise.all([
      cliJson<Task[]>(['task', 'list', ...args]),
      cliJson<Task[]>(['task', 'list', '--agent', id('alpha'), ...args]),
      cliJson<Task[]>(['task', 'list', '--status', 'ended', ...args]),
      runCli(['task', 'list', '--agent', id('beta'), '--status', 'active', ...args]),
    ]);
    assert.ok(all.some((t) => t.id === mine.taskId) && all.some((t) => t.id === other.taskId));
    assert.ok(alphas.length > 0 && alphas.every((t) => t.agent === id('alpha')));
    assert.ok(!ended.some((t) => t.id === mine.taskId));
    assert.equal(text.code, 0, text.stderr);
    const [header, ...rows] = text.stdout.trim().split('\n');
    assert.match(header!, /^ID\s+STATUS\s+AGENT\s+EXPIRES\s+PURPOSE$/);
    assert.ok(
      rows.some(
        (row) =>
          row.startsWith(other.taskId) && row.includes('active') && row.endsWith('beta task'),
      ),
      text.stdout,
    );
    assert.ok(!text.stdout.includes(mine.taskId));

    const bad = await runCli(['task', 'list', '--status', 'paused', ...args]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--status must be one of active, ended, expired/);
  });

  test('task end revokes the whole tree; --json gives the ended task; unknown ids fail', async () => {
    const { root, toBeta, toGammaViaBeta } = await delegatedTask('to be ended');
    const r = await runCli(['task', 'end', root.taskId, ...args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`task ${root.taskId} is ended`));
    for (const t of [root, toBeta, toGammaViaBeta])
      assert.deepEqual(await introspect(server, t.accessToken), { active: false });
    const shown = await runCli(['task', 'show', root.taskId, ...args]);
    assert.match(shown.stdout.split('\n')[0]!, / {2}ended {2}/);
    assert.equal(
      shown.stdout
        .split('\n')
        .slice(1, 5)
        .filter((l) => l.endsWith('REVOKED')).length,
      4,
      shown.stdout,
    );
    assert.match(shown.stdout, new RegExp(`ended     \\S+ by admin`));
    assert.ok(
      (await cliJson<Task[]>(['task', 'list', '--status', 'ended', ...args])).some(
        (t) => t.id === root.taskId,
      ),
    );

    const another = await alpha.startTask({ resource: GATEWAY, scope: [READ] });
    const ended = await cliJson<Task>(['task', 'end', another.taskId, ...args]);
    assert.equal(ended.status, 'ended');
    assert.equal(ended.ended_by, 'admin');

    const missing = await runCli(['task', 'show', '00000000-0000-0000-0000-000000000000', ...args]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /not_found/);
  });

  test('trust-rule add, list, remove (text and --json)', async () => {
    const added = await runCli([
      'trust-rule',
      'add',
      '--from',
      'spiffe://partner.example/agent/planner',
      '--to',
      'spiffe://partner.example/agent/*',
      '--max-depth',
      '3',
      '--cross-domain',
      ...args,
    ]);
    assert.equal(added.code, 0, added.stderr);
    const textId =
      /^added trust rule (\S+): spiffe:\/\/partner\.example\/agent\/planner → spiffe:\/\/partner\.example\/agent\/\*, depth ≤ 3, across trust domains$/.exec(
        added.stdout.trim(),
      )?.[1];
    assert.ok(textId, added.stdout);
    const json = await cliJson<TrustRule>([
      'trust-rule',
      'add',
      '--from',
      'spiffe://partner.example/agent/a',
      '--to',
      'spiffe://partner.example/agent/b',
      ...args,
    ]);
    assert.deepEqual(
      { ...json, id: undefined, created_at: undefined },
      {
        id: undefined,
        from: 'spiffe://partner.example/agent/a',
        to: 'spiffe://partner.example/agent/b',
        max_depth: null,
        cross_domain: false,
        created_at: undefined,
      },
    );

    const list = await cliJson<TrustRule[]>(['trust-rule', 'list', ...args]);
    assert.ok(
      list.some((r) => r.id === textId && r.max_depth === 3 && r.cross_domain) &&
        list.some((r) => r.id === json.id),
    );
    const listText = await runCli(['trust-rule', 'list', ...args]);
    assert.match(listText.stdout, /^ID\s+FROM\s+TO\s+MAX DEPTH\s+CROSS DOMAIN\n/);
    assert.match(
      listText.stdout,
      new RegExp(
        `${textId}\\s+spiffe://partner\\.example/agent/planner\\s+spiffe://partner\\.example/agent/\\*\\s+3\\s+yes`,
      ),
    );

    const removed = await runCli(['trust-rule', 'remove', textId!, ...args]);
    assert.equal(removed.stdout.trim(), `removed trust rule ${textId}`);
    assert.deepEqual(await cliJson(['trust-rule', 'remove', json.id, ...args]), {
      removed: json.id,
    });
    const after = await cliJson<TrustRule[]>(['trust-rule', 'list', ...args]);
    assert.ok(!after.some((r) => r.id === textId || r.id === json.id));

    const [again, badDepth, badPattern] = await Promise.all([
      runCli(['trust-rule', 'remove', textId!, ...args]),
      runCli(['trust-rule', 'add', '--from', '*', '--to', '*', '--max-depth', 'two', ...args]),
      runCli(['trust-rule', 'add', '--from', 'not a pattern', '--to', '*', ...args]),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /does not exist \(not_found/);
    assert.equal(badDepth.code, 2);
    assert.match(badDepth.stderr, /--max-depth must be a whole number/);
    assert.equal(badPattern.code, 1);
  });

  test('grant create, list, revoke (text and --json)', async () => {
    const created = await runCli([
      'grant',
      'create',
      '--human',
      'alice@example.org',
      '--agent',
      'alpha',
      '--scope',
      READ,
      WRITE,
      '--purpose',
      'file expenses',
      '--ttl',
      '3600',
      ...args,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const textId = new RegExp(
      `^created grant (\\S+): alice@example\\.org → ${id('alpha')} \\(${READ} ${WRITE}\\) until \\d{4}-`,
    ).exec(created.stdout.trim())?.[1];
    assert.ok(textId, created.stdout);
    const json = await cliJson<Grant>([
      'grant',
      'create',
      '--human',
      'bob@example.org',
      '--agent',
      id('beta'),
      '--scope',
      READ,
      '--purpose',
      'read mail',
      '--ttl',
      '60',
      ...args,
    ]);
    assert.equal(json.status, 'active');
    assert.equal(json.agent, id('beta'));
    assert.deepEqual(json.scopes, [READ]);
    assert.ok(Math.abs(Date.parse(json.expires_at) - Date.parse(json.created_at) - 60_000) < 1000);

    const [alices, text] = await Promise.all([
      cliJson<Grant[]>(['grant', 'list', '--human', 'alice@example.org', ...args]),
      runCli(['grant', 'list', ...args]),
    ]);
    assert.deepEqual(
      alices.map((g) => g.id),
      [textId],
    );
    assert.match(text.stdout, /^ID\s+STATUS\s+HUMAN\s+AGENT\s+EXPIRES\s+SCOPES\n/);
    assert.match(
      text.stdout,
      new RegExp(`${json.id}\\s+active\\s+bob@example\\.org\\s+${id('beta')}`),
    );

    const revoked = await runCli(['grant', 'revoke', textId!, ...args]);
    assert.equal(revoked.stdout.trim(), `grant ${textId} is revoked`);
    assert.equal((await cliJson<Grant>(['grant', 'revoke', json.id, ...args])).status, 'revoked');
    assert.ok(
      (await cliJson<Grant[]>(['grant', 'list', ...args])).every(
        (g) => g.status === 'revoked' && g.revoked_at,
      ),
    );

    const [badTtl, noAgent] = await Promise.all([
      runCli([
        'grant',
        'create',
        '--human',
        'h',
        '--agent',
        'alpha',
        '--scope',
        READ,
        '--purpose',
        'p',
        '--ttl',
        '-5',
        ...args,
      ]),
      runCli([
        'grant',
        'create',
        '--human',
        'h',
        '--agent',
        'nobody',
        '--scope',
        READ,
        '--purpose',
        'p',
        '--ttl',
        '60',
        ...args,
      ]),
    ]);
    assert.equal(badTtl.code, 2);
    assert.equal(noAgent.code, 1);
    assert.match(noAgent.stderr, /agent `nobody` does not exist/);
  });
});
