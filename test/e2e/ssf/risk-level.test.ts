// Issue 7 item 4: a signal that moves a task's risk to another CAEP level is transmitted as a
// risk-level-change SET; one that leaves the level as it was is not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { registerAgent, startTask } from '../oauth/helpers.js';
import { admin, eventOf, POLL, pollVerified } from './helpers.js';

const RISK_LEVEL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';

describe('SSF risk-level-change', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('a signal that raises a task from LOW to MEDIUM is told; one that stays MEDIUM is not', async () => {
    const stream = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [RISK_LEVEL_CHANGE],
    });
    assert.equal(stream.status, 201, JSON.stringify(stream.json));
    const streamId = stream.json.stream_id as string;
    const agent = { name: 'risky', id: '' };
    agent.id = await registerAgent(server, agent.name);
    const task = await startTask(server, agent);
    const taskId = JSON.parse(Buffer.from(task.access_token.split('.')[1]!, 'base64url').toString())
      .task_id as string;
    const signal = (risk: number) =>
      admin(server, 'POST', '/v1/signals', {
        task: taskId,
        kind: 'llm_judge',
        risk,
        source: 'judge',
        reason: 'odd tool choice',
      });
    assert.equal((await signal(45)).status, 201);
    assert.equal((await signal(50)).status, 201, 'still MEDIUM');
    const payloads = await pollVerified(server, streamId, 1);
    assert.equal(payloads.length, 1);
    assert.deepEqual(payloads[0]!.sub_id, { format: 'opaque', id: `task:${taskId}` });
    const event = eventOf(payloads[0]!, RISK_LEVEL_CHANGE);
    assert.deepEqual(
      [event.principal, event.previous_level, event.current_level, event.risk_reason],
      ['SESSION', 'LOW', 'MEDIUM', 'odd tool choice'],
    );
    assert.equal(typeof event.event_timestamp, 'number');
  });

  it('a task a signal revokes is told as session-revoked initiated by policy, naming the signal', async () => {
    const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
    const stream = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [SESSION_REVOKED],
    });
    const streamId = stream.json.stream_id as string;
    const agent = { name: 'revoked-by-signal', id: '' };
    agent.id = await registerAgent(server, agent.name);
    const task = await startTask(server, agent);
    const taskId = JSON.parse(Buffer.from(task.access_token.split('.')[1]!, 'base64url').toString())
      .task_id as string;
    assert.equal(
      (
        await admin(server, 'POST', '/v1/signals', {
          task: taskId,
          kind: 'exfiltration',
          risk: 95,
          source: 'edr',
        })
      ).status,
      201,
    );
    const payloads = await pollVerified(server, streamId, 1);
    assert.equal(payloads.length, 1);
    assert.deepEqual(payloads[0]!.sub_id, { format: 'opaque', id: `task:${taskId}` });
    const event = eventOf(payloads[0]!, SESSION_REVOKED);
    assert.deepEqual(
      [event.initiating_entity, event.reason_admin],
      ['policy', { en: 'signal:exfiltration' }],
    );
  });

  it('a risk that falls back as its signal expires is told too, from HIGH to LOW', async () => {
    const stream = await admin(server, 'POST', '/v1/ssf/streams', {
      delivery: { method: POLL },
      events_requested: [RISK_LEVEL_CHANGE],
    });
    const streamId = stream.json.stream_id as string;
    const agent = { name: 'fleeting', id: '' };
    agent.id = await registerAgent(server, agent.name);
    const task = await startTask(server, agent);
    const taskId = JSON.parse(Buffer.from(task.access_token.split('.')[1]!, 'base64url').toString())
      .task_id as string;
    // Risk 75 asks for approval and read-only (the ladder) but does not end the task.
    assert.equal(
      (
        await admin(server, 'POST', '/v1/signals', {
          task: taskId,
          kind: 'guardrail',
          risk: 75,
          source: 'guard',
          ttl_seconds: 1,
        })
      ).status,
      201,
    );
    // Told at once, then within a second or two of the expiry (the sweep runs every second).
    const levels = (await pollVerified(server, streamId, 2, 10))
      .map((p) => eventOf(p, RISK_LEVEL_CHANGE))
      .map((e) => [e.previous_level, e.current_level, e.risk_reason]);
    assert.deepEqual(levels, [
      ['LOW', 'HIGH', 'guardrail'],
      ['HIGH', 'LOW', 'signals expired'],
    ]);
  });
});
