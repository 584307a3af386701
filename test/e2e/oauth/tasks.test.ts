// Issue 3, task lifecycle: an agent ends its own task with its task token, an admin ends any
// task, a delegate cannot; ending, expiry or suspending an agent on the chain makes the tokens
// inactive at introspection (RFC 7662), and `GET /v1/tasks/:id` shows the delegation tree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import {
  addTrustRule,
  adminOk,
  auditEvents,
  claimsOf,
  delegate,
  isActive,
  lastAuditSeq,
  registerAgent,
  revoke,
  startTask,
  type HttpResult,
  type Json,
  type TokenResponse,
} from './helpers.js';

interface TaskTree {
  id: string;
  agent: string;
  status: string;
  ended_by: string | null;
  tokens: {
    jti: string;
    parent: string | null;
    depth: number;
    holder: string;
    client_id: string;
    scopes: string[];
    revoked_at: string | null;
  }[];
}

describe('task lifecycle', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  const alpha = { name: 'alpha', id: '' };
  const beta = { name: 'beta', id: '' };
  const gamma = { name: 'gamma', id: '' };

  async function endTask(taskId: string, token?: string): Promise<HttpResult> {
    const res = await fetch(`${server.url}/v1/tasks/${taskId}/end`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Json,
      text,
    };
  }

  /** A task of alpha's delegated alpha → beta → gamma. */
  async function chain(): Promise<{
    root: TokenResponse;
    child: TokenResponse;
    grandchild: TokenResponse;
    all: string[];
  }> {
    const root = await startTask(server, alpha);
    const child = await delegate(server, alpha, root.access_token, 'beta');
    const grandchild = await delegate(server, beta, child.access_token, 'gamma', [
      ['scope', 'tool:search'],
    ]);
    return {
      root,
      child,
      grandchild,
      all: [root.access_token, child.access_token, grandchild.access_token],
    };
  }

  async function activity(tokens: string[]): Promise<boolean[]> {
    return Promise.all(tokens.map((t) => isActive(server, t)));
  }

  before(async () => {
    server = await startTestServer({ clock });
    alpha.id = await registerAgent(server, 'alpha');
    beta.id = await registerAgent(server, 'beta');
    gamma.id = await registerAgent(server, 'gamma');
    await addTrustRule(server, '*', '*');
  });
  after(() => server.stop());

  it('lets the agent end its own task with its task token: every token of the task goes inactive', async () => {
    const { root, all } = await chain();
    assert.deepEqual(await activity(all), [true, true, true]);
    const seq = await lastAuditSeq(server);
    const res = await endTask(root.task_id, root.access_token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'ended');
    assert.equal(res.body.ended_by, alpha.id);
    assert.deepEqual(await activity(all), [false, false, false]);
    const tree = await adminOk<TaskTree>(server, 'GET', `/v1/tasks/${root.task_id}`);
    assert.equal(tree.status, 'ended');
    assert.ok(
      tree.tokens.every((t) => t.revoked_at !== null),
      'every token of the task is revoked',
    );
    const ended = (await auditEvents(server, seq)).filter((e) => e.action === 'task.end');
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.actor, alpha.id);
    // The token is dead: it cannot end the task again.
    assert.equal((await endTask(root.task_id, root.access_token)).status, 401);
  });

  it('does not let a delegate end the task, nor a token of another task, nor no token at all', async () => {
    const { root, child, grandchild, all } = await chain();
    const other = await startTask(server, alpha);
    for (const token of [child.access_token, grandchild.access_token]) {
      const res = await endTask(root.task_id, token);
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.code, 'forbidden');
    }
    const foreign = await endTask(root.task_id, other.access_token);
    assert.equal(foreign.status, 403, foreign.text);
    assert.match(String(foreign.body.detail), /another task/);
    assert.equal((await endTask(root.task_id)).status, 401);
    assert.equal((await endTask(root.task_id, 'not-a-token')).status, 401);
    assert.equal(
      (await adminOk<TaskTree>(server, 'GET', `/v1/tasks/${root.task_id}`)).status,
      'active',
    );
    assert.deepEqual(await activity(all), [true, true, true]);
  });

  it('lets the admin end any task', async () => {
    const { root, all } = await chain();
    const res = await endTask(root.task_id, server.adminToken);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'ended');
    assert.equal(res.body.ended_by, 'admin');
    assert.deepEqual(await activity(all), [false, false, false]);
    // A task that does not exist.
    assert.equal((await endTask('no-such-task', server.adminToken)).status, 404);
  });

  it('shows the delegation tree: parent, depth, holder and revoked_at of every token', async () => {
    const { root, child, grandchild } = await chain();
    const sibling = await delegate(server, alpha, root.access_token, 'gamma', [
      ['scope', 'tool:fetch'],
    ]);
    await revoke(server, child.access_token);
    const tree = await adminOk<TaskTree>(server, 'GET', `/v1/tasks/${root.task_id}`);
    assert.equal(tree.id, root.task_id);
    assert.equal(tree.agent, alpha.id);
    const byJti = new Map(tree.tokens.map((t) => [t.jti, t]));
    const [r, c, g, s] = [root, child, grandchild, sibling].map((t) =>
      byJti.get(claimsOf(t.access_token).jti)!,
    );
    assert.equal(tree.tokens.length, 4);
    assert.deepEqual([r!.parent, c!.parent, g!.parent, s!.parent], [null, r!.jti, c!.jti, r!.jti]);
    assert.deepEqual([r!.depth, c!.depth, g!.depth, s!.depth], [0, 1, 2, 1]);
    assert.deepEqual(
      [r!.holder, c!.holder, g!.holder, s!.holder],
      [alpha.id, beta.id, gamma.id, gamma.id],
    );
    assert.deepEqual(s!.scopes, ['tool:fetch']);
    assert.equal(r!.revoked_at, null);
    assert.equal(s!.revoked_at, null);
    assert.equal(typeof c!.revoked_at, 'string', 'the revoked token');
    assert.equal(typeof g!.revoked_at, 'string', 'its subtree');
    assert.deepEqual(
      await activity([
        root.access_token,
        child.access_token,
        grandchild.access_token,
        sibling.access_token,
      ]),
      [true, false, false, true],
    );
  });

  it('makes every token of a task inactive once the task has expired', async () => {
    const root = await startTask(server, alpha, [
      ['scope', 'tool:search'],
      ['expires_in', '120'],
    ]);
    const child = await delegate(server, alpha, root.access_token, 'beta');
    const { exp } = claimsOf(root.access_token);
    assert.ok(claimsOf(child.access_token).exp <= exp);
    assert.deepEqual(await activity([root.access_token, child.access_token]), [true, true]);
    clock.set(exp * 1000 + 60_000); // past exp and the 30 s leeway
    assert.deepEqual(await activity([root.access_token, child.access_token]), [false, false]);
  });

  it('makes the tokens of a suspended agent inactive at once, wherever it is on the chain', async () => {
    const { all } = await chain();
    await adminOk(server, 'POST', '/v1/agents/beta/suspend');
    try {
      assert.deepEqual(
        await activity(all),
        [true, false, false],
        'beta holds the child and acted before gamma',
      );
    } finally {
      await adminOk(server, 'POST', '/v1/agents/beta/resume');
    }
    const second = await chain();
    await adminOk(server, 'POST', '/v1/agents/alpha/suspend');
    assert.deepEqual(
      await activity(second.all),
      [false, false, false],
      'alpha is the subject of every token of its task',
    );
  });
});
