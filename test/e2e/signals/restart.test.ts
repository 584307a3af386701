// Signals are stored with the event that reports them: a restart keeps a live signal's risk and
// restrictions until it expires (its responses are not run again), and forgets what expired or
// belongs to a task that ended meanwhile.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent } from '../helpers/agents.js';
import { auditEvents, call, catalog, decide, newTask, type Json } from './helpers.js';

const SCOPES = ['tool:docs/*', 'tool:mail/send'];

describe('signals across a restart', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let dataDir: string;
  let alpha: MandateAgent;

  const restart = async () => {
    const port = Number(new URL(server.url).port);
    await server.stop({ keepData: true });
    server = await startTestServer({ clock, dataDir, flags: { port } });
  };

  before(async () => {
    server = await startTestServer({ clock });
    dataDir = server.dataDir;
    await catalog(server);
    alpha = await attestedAgent(server, 'alpha', SCOPES);
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a live signal's restriction holds after a restart, until it expires; an ended task's is gone", async () => {
    const kept = await newTask(alpha, SCOPES);
    const ended = await newTask(alpha, SCOPES);
    const signal = (taskId: string, ttl: number) =>
      call(server, 'POST', '/v1/signals', {
        task: taskId,
        kind: 'llm_judge',
        risk: 75,
        source: 'judge',
        ttl_seconds: ttl,
      });
    // Half the task's 600 s: the signal expires while the task lives (the housekeeping, on the same clock, ends the task at 600 s).
    assert.equal((await signal(kept.taskId, 300)).status, 201);
    assert.equal((await signal(ended.taskId, 600)).status, 201);
    assert.deepEqual(
      await decide(server, kept.token, 'mail/send', { arguments: { to: 'bob@example.org' } }),
      ['deny', ['mandate.signal-needs-approval', 'mandate.signal-read-only']],
    );
    assert.equal((await call(server, 'POST', `/v1/tasks/${ended.taskId}/end`)).status, 200);
    const responsesBefore = (await auditEvents(server)).filter(
      (e) => e.action === 'signal.response',
    ).length;

    await restart();
    assert.deepEqual(
      await decide(server, kept.token, 'mail/send', { arguments: { to: 'bob@example.org' } }),
      ['deny', ['mandate.signal-needs-approval', 'mandate.signal-read-only']],
      'read_only still holds',
    );
    assert.equal(
      (await decide(server, kept.token, 'docs/read'))[0],
      'approval_required',
      'and require_approval',
    );
    const live = (await call(server, 'GET', '/v1/signals')).json.signals as Json[];
    assert.deepEqual(
      live.map((s) => s.task),
      [kept.taskId],
      "the ended task's signal is not restored",
    );
    assert.equal(
      (await auditEvents(server)).filter((e) => e.action === 'signal.response').length,
      responsesBefore,
      'responses are not run again',
    );

    clock.advance(300_000);
    await restart();
    assert.deepEqual(
      await decide(server, kept.token, 'docs/read'),
      ['allow', ['mandate.allow-scoped-tools']],
      'expired: nothing restored',
    );
    assert.deepEqual((await call(server, 'GET', '/v1/signals')).json.signals, []);
  });
});
