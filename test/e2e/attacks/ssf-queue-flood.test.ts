// OWASP Agentic Top 10 2026: ASI08 Cascading Failures. Risk-level changes are something an
// agent causes itself (every undeclared call of a new task is one); they must not push a
// revocation out of an SSF stream's queue, or a receiver keeps a revoked session open. A stream's
// queue drops risk changes first, never a revocation or credential change for one, coalesces a
// subject's risk changes (latest level wins) and reports its pressure in GET /v1/ssf/status and
// the metrics. And a receiver is never left at a level: after a restart, risk falls of signals
// that expired while Mandate was down are told. Through real HTTP: an RFC 8936 poll receiver by
// plain fetch, every SET verified with jose against the JWKS, tasks by the Mandate SDK.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { JWTPayload } from 'jose';
import { ManualClock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, spiffeIdOf } from '../helpers/agents.js';
import { call, catalog, decide, eventually, newTask, type Json } from '../signals/helpers.js';
import { eventOf, POLL, pollVerified, SESSION_REVOKED } from '../ssf/helpers.js';

const RISK = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';
const QUEUE = 10;

const typeOf = (p: JWTPayload): string => Object.keys(p.events as Json)[0]!;
const subjectOf = (p: JWTPayload): string => JSON.stringify(p.sub_id);

describe('ASI08 attack: risk-level changes flooding a revocation out of an SSF queue', () => {
  let server: TestServer;
  let flooder: MandateAgent;

  before(async () => {
    server = await startTestServer({ flags: { signals: '{}', ssfQueueSize: QUEUE } });
    await catalog(server);
    flooder = await attestedAgent(server, 'flooder', ['tool:docs/*']);
  });
  after(() => server.stop());

  test("a session-revoked SET survives 3x its queue of agent-caused risk changes; a subject's changes coalesce; pressure is reported", async () => {
    const created = await call(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED, RISK],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.stream_id as string;
    const status = async () =>
      (await call(server, 'GET', `/v1/ssf/status?stream_id=${id}`)).json.queue as Json;

    const ended = await flooder.startTask({
      resource: 'https://gateway.example.org',
      scope: ['tool:docs/read'],
    });
    await flooder.endTask(ended);
    await eventually(
      async () => ((await status()).queued === 1 ? true : undefined),
      'the session-revoked SET queued',
    );
    // The agent's own doing: each new task makes one undeclared call, a LOW → MEDIUM change each.
    for (let i = 0; i < 3 * QUEUE; i++) {
      const { token } = await newTask(flooder, ['tool:docs/read']);
      await decide(server, token, 'docs/secret');
    }
    // One subject told twice (MEDIUM, then HIGH) before the receiver polls: only the latest is queued.
    const { taskId } = await newTask(flooder, ['tool:docs/read']);
    for (const risk of [45, 75])
      assert.equal(
        (
          await call(server, 'POST', '/v1/signals', {
            task: taskId,
            kind: 'judge',
            risk,
            source: 'judge',
          })
        ).status,
        201,
      );
    const pressure = await eventually(async () => {
      const q = await status();
      return (q.dropped_risk as number) >= 2 * QUEUE && (q.coalesced as number) >= 1
        ? q
        : undefined;
    }, 'the queue under pressure');
    assert.deepEqual([pressure.queued, pressure.max, pressure.dropped_other], [QUEUE, QUEUE, 0]);

    const sets = await pollVerified(server, id, QUEUE);
    const revoked = sets.filter((p) => typeOf(p) === SESSION_REVOKED);
    assert.deepEqual(
      revoked.map((p) => p.sub_id),
      [{ format: 'opaque', id: `task:${ended.taskId}` }],
      'the revocation was never dropped',
    );
    const coalesced = sets.filter(
      (p) =>
        typeOf(p) === RISK &&
        subjectOf(p) === JSON.stringify({ format: 'opaque', id: `task:${taskId}` }),
    );
    assert.deepEqual(
      coalesced.map((p) => eventOf(p, RISK).current_level),
      ['HIGH'],
      'the latest level only',
    );

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(
        `mandate_ssf_queue_dropped_sets\\{stream="${id}",kind="risk"\\} ${String(pressure.dropped_risk)}`,
      ),
    );
    assert.match(
      metrics,
      new RegExp(`mandate_ssf_queue_dropped_sets\\{stream="${id}",kind="other"\\} 0`),
    );
  });

  test("a flood of its own new tasks' risk raises does not push out the SET that raised the agent's own level", async () => {
    const created = await call(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [RISK],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.stream_id as string;
    const agentSubject = { format: 'uri', uri: spiffeIdOf(server, 'flooder') };
    assert.equal(
      (
        await call(server, 'POST', '/v1/signals', {
          agent: agentSubject.uri,
          kind: 'edr',
          risk: 75,
          source: 'edr',
        })
      ).status,
      201,
    );
    const status = async () =>
      (await call(server, 'GET', `/v1/ssf/status?stream_id=${id}`)).json.queue as Json;
    await eventually(
      async () => ((await status()).queued === 1 ? true : undefined),
      'the agent raise queued',
    );
    for (let i = 0; i < 3 * QUEUE; i++) {
      const { token } = await newTask(flooder, ['tool:docs/read']);
      await decide(server, token, 'docs/secret');
    }
    const pressure = await eventually(async () => {
      const q = await status();
      return (q.dropped_risk as number) >= QUEUE ? q : undefined;
    }, 'the queue under pressure');
    assert.equal(
      pressure.dropped_raises,
      pressure.dropped_risk,
      "the tasks' raises were dropped, and counted as raises",
    );
    const sets = await pollVerified(server, id, QUEUE);
    const agentLevel = sets.filter(
      (p) => typeOf(p) === RISK && subjectOf(p) === JSON.stringify(agentSubject),
    );
    assert.deepEqual(
      agentLevel.map((p) => eventOf(p, RISK).current_level),
      ['HIGH'],
      "the receiver learns the agent's raised level",
    );
  });
});

describe('ASI08: a risk fall while Mandate was down is told after the restart', () => {
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let dataDir: string;

  before(async () => {
    server = await startTestServer({ clock });
    dataDir = server.dataDir;
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('an agent signal that expired during the restart is told as HIGH → LOW', async () => {
    await attestedAgent(server, 'sleeper', ['tool:docs/*']);
    const id = (
      await call(server, 'POST', '/v1/ssf/streams', {
        delivery: { method: POLL },
        events_requested: [RISK],
      })
    ).json.stream_id as string;
    assert.equal(
      (
        await call(server, 'POST', '/v1/signals', {
          agent: spiffeIdOf(server, 'sleeper'),
          kind: 'edr',
          risk: 75,
          source: 'edr',
          ttl_seconds: 60,
        })
      ).status,
      201,
    );
    const raised = await pollVerified(server, id, 1);
    assert.deepEqual(
      [eventOf(raised[0]!, RISK).previous_level, eventOf(raised[0]!, RISK).current_level],
      ['LOW', 'HIGH'],
    );

    const port = Number(new URL(server.url).port);
    await server.stop({ keepData: true });
    clock.advance(61_000);
    server = await startTestServer({ clock, dataDir, flags: { port } });
    // The client's pooled keep-alive socket went with the old server: let one request find out.
    await fetch(`${server.url}/.well-known/jwks.json`).catch(() => undefined);
    const fell = await pollVerified(server, id, 1);
    assert.equal(
      fell.length,
      1,
      'the fall is told at once, not left to a receiver that polls after the expiry',
    );
    assert.deepEqual(fell[0]!.sub_id, { format: 'uri', uri: spiffeIdOf(server, 'sleeper') });
    assert.deepEqual(
      [
        eventOf(fell[0]!, RISK).previous_level,
        eventOf(fell[0]!, RISK).current_level,
        eventOf(fell[0]!, RISK).risk_reason,
      ],
      ['HIGH', 'LOW', 'signals expired'],
    );
  });
});
