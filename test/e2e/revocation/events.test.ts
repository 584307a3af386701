import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminCall, adminOk, registerAgent, revoke, startTask, svid } from '../oauth/helpers.js';
import { openEvents, waitFor, type SseClient } from './helpers.js';

type Snapshot = {
  seq: number;
  time: number;
  tokens: [string, number | null][];
  tasks: [string, number | null][];
  agents: [string, string, number, number | null][];
  grants: unknown[];
  approvals: unknown[];
  keys: unknown[];
};
const json = <T>(data: string): T => JSON.parse(data) as T;

/** GET /v1/events read raw, with Mandate's own SSE parser, against a real server. */
describe('GET /v1/events', () => {
  let server: TestServer;
  const alpha = { name: 'alpha', id: '' };
  const open: SseClient[] = [];
  const events = async (token: string | undefined, lastEventId?: string) => {
    const c = await openEvents(server.url, token, lastEventId);
    open.push(c);
    return c;
  };

  before(async () => {
    server = await startTestServer({ flags: { eventsHeartbeat: 1 } });
    alpha.id = await registerAgent(server, 'alpha');
  });
  after(async () => {
    for (const c of open) c.close();
    await server?.stop();
  });

  test('a snapshot on connect: every unexpired revocation, as of the seq in its id', async () => {
    const task = await startTask(server, alpha);
    await adminOk(server, 'POST', `/v1/tasks/${task.task_id}/end`);
    await adminOk(server, 'POST', '/v1/agents/alpha/suspend');
    await adminOk(server, 'POST', '/v1/agents/alpha/resume');
    const c = await events(server.adminToken);
    assert.equal(c.status, 200);
    assert.match(c.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(c.headers.get('cache-control'), 'no-store');
    const first = await c.event(0);
    assert.equal(first.type, 'snapshot');
    const snap = json<Snapshot>(first.data);
    assert.equal(first.lastEventId, String(snap.seq));
    assert.equal(snap.seq, server.mandate.revocationBus.seq);
    assert.ok(snap.tasks.some(([id]) => id === task.task_id));
    const agent = snap.agents.find(([id]) => id === alpha.id);
    assert.equal(agent?.[1], 'active', 'the latest status of the agent, with its cutoff');
    assert.deepEqual(Object.keys(snap).sort(), [
      'agents',
      'approvals',
      'grants',
      'keys',
      'seq',
      'tasks',
      'time',
      'tokens',
    ]);
  });

  test('then each revocation as it commits, `id:` its seq, and heartbeats with the current seq', async () => {
    const c = await events(server.adminToken);
    const snap = json<Snapshot>((await c.event(0)).data);
    const task = await startTask(server, alpha);
    await revoke(server, task.access_token);
    const ev = await waitFor('the revocation event', () =>
      c.events.find((e) => e.type === 'revocation'),
    );
    const data = json<{
      seq: number;
      kind: string;
      id: string;
      at: number;
      exp: number;
      cause: string;
    }>(ev.data);
    assert.equal(ev.lastEventId, String(data.seq));
    assert.equal(data.seq, snap.seq + 1);
    assert.deepEqual(
      { kind: data.kind, cause: data.cause },
      { kind: 'token', cause: 'token.revoke' },
    );
    assert.equal(
      data.id,
      JSON.parse(Buffer.from(task.access_token.split('.')[1]!, 'base64url').toString()).jti,
    );
    assert.ok(data.exp > data.at);
    const after = c.events.indexOf(ev);
    const beat = await waitFor('a heartbeat after the event', () =>
      c.events.slice(after).find((e) => e.type === 'heartbeat'),
    );
    const hb = json<{ seq: number; time: number }>(beat.data);
    assert.ok(hb.seq >= data.seq && typeof hb.time === 'number');
  });

  test('Last-Event-ID within history: only the events after it, no snapshot; unknown or ahead of the feed: a snapshot', async () => {
    const seq = server.mandate.revocationBus.seq;
    const task = await startTask(server, alpha);
    await adminOk(server, 'POST', `/v1/tasks/${task.task_id}/end`);
    const resumed = await events(server.adminToken, String(seq));
    const first = await resumed.event(0);
    assert.equal(first.type, 'revocation');
    assert.equal(first.lastEventId, String(seq + 1));
    assert.equal(json<{ id: string }>(first.data).id, task.task_id);
    for (const id of [String(seq + 1000), 'garbage', '-1']) {
      const fresh = await events(server.adminToken, id);
      assert.equal((await fresh.event(0)).type, 'snapshot', `Last-Event-ID ${id}`);
    }
  });

  test('who may listen: the admin token, or the JWT-SVID of an active agent labelled enforcement-point', async () => {
    const none = await events(undefined);
    assert.equal(none.status, 401);
    assert.match(none.text, /admin token or an enforcement point/);
    assert.equal((await events('not-the-admin-token')).status, 401);
    await server.admin.registerAgent({
      name: 'edge',
      owner: 'ops@example.org',
      purpose: 'remote gateway',
      labels: { 'enforcement-point': '' },
    });
    await registerAgent(server, 'plain');
    const audience = `${server.config.issuer}/v1/events`;
    const ok = await events(await svid(server, 'edge', { audience }));
    assert.equal(ok.status, 200);
    assert.equal((await ok.event(0)).type, 'snapshot');
    const unlabelled = await events(await svid(server, 'plain', { audience }));
    assert.equal(unlabelled.status, 403);
    assert.match(unlabelled.text, /not an enforcement point/);
    const wrongAudience = await events(await svid(server, 'edge'));
    assert.equal(
      wrongAudience.status,
      401,
      'an svid for the token endpoint is not one for the stream',
    );
    const held = await svid(server, 'edge', { audience });
    await adminOk(server, 'POST', '/v1/agents/edge/suspend');
    await waitFor('the stream of a suspended enforcement point to end', () => ok.ended);
    assert.equal(ok.events.at(-1)?.type, 'revocation', 'after the event of its own suspension');
    const suspended = await events(held);
    assert.equal(
      suspended.status,
      403,
      'a suspended enforcement point may not listen, even with an unexpired svid',
    );
    assert.match(suspended.text, /is not active/);
  });
});

describe('GET /v1/events: limits, history and compaction', () => {
  test('beyond eventsMaxSubscribers a stream is refused with 503 and Retry-After; a closed one frees its place', async () => {
    const server = await startTestServer({ flags: { eventsMaxSubscribers: 1, eventsRetry: 7 } });
    try {
      const first = await openEvents(server.url, server.adminToken);
      assert.equal((await first.event(0)).type, 'snapshot');
      const second = await openEvents(server.url, server.adminToken);
      assert.equal(second.status, 503);
      assert.equal(second.headers.get('retry-after'), '7');
      assert.match(second.text, /too many revocation streams/);
      first.close();
      const third = await waitFor('a place to free up', async () => {
        const c = await openEvents(server.url, server.adminToken);
        if (c.status === 200) return c;
        return undefined;
      });
      assert.equal((await third.event(0)).type, 'snapshot');
      third.close();
    } finally {
      await server.stop();
    }
  });

  test('a Last-Event-ID older than the history kept in memory gets a snapshot; history survives a restart, and seq keeps growing', async () => {
    const server = await startTestServer({ flags: { eventsHistory: 2 } });
    let restarted: TestServer | undefined;
    try {
      await registerAgent(server, 'alpha');
      const start = server.mandate.revocationBus.seq;
      for (const verb of ['suspend', 'resume', 'suspend', 'resume'])
        await adminOk(server, 'POST', `/v1/agents/alpha/${verb}`);
      const head = server.mandate.revocationBus.seq;
      assert.equal(head, start + 4);
      const old = await openEvents(server.url, server.adminToken, String(start + 1));
      assert.equal(
        (await old.event(0)).type,
        'snapshot',
        'two events after it are no longer in memory',
      );
      old.close();
      const recent = await openEvents(server.url, server.adminToken, String(head - 1));
      assert.deepEqual(
        [(await recent.event(0)).type, (await recent.event(0)).lastEventId],
        ['revocation', String(head)],
      );
      recent.close();
      await server.stop({ keepData: true });
      restarted = await startTestServer({ dataDir: server.dataDir, flags: { eventsHistory: 2 } });
      assert.equal(
        restarted.mandate.revocationBus.seq,
        head,
        "the feed is the store's: nothing is lost or renumbered",
      );
      const after = await openEvents(restarted.url, restarted.adminToken, String(head - 1));
      assert.equal(
        (await after.event(0)).lastEventId,
        String(head),
        'a stream resumes across a server restart',
      );
      after.close();
      await adminOk(restarted, 'POST', '/v1/agents/alpha/suspend');
      assert.equal(restarted.mandate.revocationBus.seq, head + 1);
      const snap = await openEvents(restarted.url, restarted.adminToken);
      const state = json<Snapshot>((await snap.event(0)).data);
      assert.deepEqual(state.agents.find(([id]) => id.endsWith('/agent/alpha'))?.[1], 'suspended');
      snap.close();
    } finally {
      await (restarted ?? server).stop();
    }
  });

  test('after a restart, a Last-Event-ID from before a compacted row gets a snapshot: the row may have mattered to it', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock });
    let restarted: TestServer | undefined;
    try {
      await registerAgent(server, 'alpha');
      await adminOk(server, 'POST', '/v1/agents/alpha/suspend');
      const suspended = server.mandate.revocationBus.seq;
      await adminOk(server, 'POST', '/v1/agents/alpha/resume');
      // The resume no longer revokes anything once every token issued before it has expired: both rows go.
      clock.advance(86_400_000 + 300_000 + 1_000);
      assert.ok((await server.mandate.revocationBus.compact()) >= 2);
      await server.stop({ keepData: true });
      restarted = await startTestServer({ clock, dataDir: server.dataDir });
      // A client that saw the suspension and missed the resume must not keep the agent suspended.
      const behind = await openEvents(restarted.url, restarted.adminToken, String(suspended));
      const first = await behind.event(0);
      assert.equal(first.type, 'snapshot');
      assert.equal(
        json<Snapshot>(first.data).agents.find(([id]) => id.endsWith('/agent/alpha')),
        undefined,
        'alpha is active: nothing about it',
      );
      behind.close();
    } finally {
      await (restarted ?? server).stop();
    }
  });

  test("compaction drops what has expired (after the verifiers' clock tolerance) from the feed, the registry and the snapshot; a suspension stays", async () => {
    const clock = new ManualClock(Date.now());
    const server = await startTestServer({ clock });
    try {
      const alpha = { name: 'alpha', id: await registerAgent(server, 'alpha') };
      const beta = { name: 'beta', id: await registerAgent(server, 'beta') };
      const task = await startTask(server, alpha, [
        ['scope', 'tool:search'],
        ['expires_in', '60'],
      ]);
      await revoke(server, task.access_token);
      await adminOk(server, 'POST', '/v1/agents/beta/suspend');
      const rows = async () =>
        (await server.mandate.store.read.revocations.list()).map((e) => e.kind).sort();
      assert.deepEqual(await rows(), ['agent', 'token']);
      clock.advance(3_600_000 + 300_000 + 1);
      const dropped = await server.mandate.revocationBus.compact();
      assert.equal(dropped, 1);
      assert.deepEqual(await rows(), ['agent']);
      const c = await openEvents(server.url, server.adminToken);
      const snap = json<Snapshot>((await c.event(0)).data);
      c.close();
      assert.deepEqual(snap.tokens, []);
      assert.deepEqual(
        snap.agents.map(([id, status]) => [id, status]),
        [[beta.id, 'suspended']],
      );
      assert.equal(server.mandate.revocations.size, 1);
      assert.equal((await adminCall(server, 'GET', '/v1/agents/beta')).body.status, 'suspended');
    } finally {
      await server.stop();
    }
  });
});
