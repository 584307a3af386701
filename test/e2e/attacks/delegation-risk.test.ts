// OWASP Agentic Top 10 2026: ASI03 Identity and Privilege Abuse, ASI07 Insecure Inter-Agent
// Communication. An agent under an agent-wide risk signal must not shed it by handing its work
// to another agent: a call's risk and restrictions are the highest over every agent on its
// delegation chain (and its `sub`) and its task's own signals, and a token exchange (start a task,
// delegate, re-delegate) at the refusing risk (`signals.refuseTokensAtRisk`, default 80) is
// refused. Through real HTTP: signals by plain fetch, token exchange by the Mandate SDK, each
// decision at POST /v1/authorize by plain fetch, a manual clock for expiry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, spiffeIdOf } from '../helpers/agents.js';
import { call, catalog, decide } from '../signals/helpers.js';

const SCOPES = ['tool:docs/*', 'tool:mail/send'];
const ALLOWED = ['mandate.allow-scoped-tools'];

describe('ASI03/ASI07 attack: delegation escapes agent-wide signals', () => {
  let server: TestServer;
  const clock = new ManualClock(Date.now());
  const agents: Record<string, MandateAgent> = {};
  const id = (name: string) => spiffeIdOf(server, name);
  const signal = (body: unknown) => call(server, 'POST', '/v1/signals', body);

  before(async () => {
    server = await startTestServer({ clock });
    await catalog(server);
    for (const name of ['alpha', 'beta', 'gamma', 'delta', 'eps'])
      agents[name] = await attestedAgent(server, name, SCOPES);
    await server.admin.addTrustRule({
      from: `spiffe://${server.config.trustDomain}/agent/*`,
      to: `spiffe://${server.config.trustDomain}/agent/*`,
    });
  });
  after(() => server.stop());

  /** `from` starts a task and hands all of it to `to`: the child's token. */
  const delegated = async (from: string, to: string) => {
    const root = await agents[from]!.startTask({
      resource: GATEWAY,
      scope: SCOPES,
      ttlSeconds: 600,
    });
    const child = await agents[from]!.delegate(root, {
      delegateSvid: await agents[to]!.delegationSvidFor(id(from)),
    });
    return { root, child };
  };

  test("a delegate's calls carry the delegator's agent-wide restrictions (risk 75: approval and read only)", async () => {
    const { child } = await delegated('alpha', 'beta');
    assert.deepEqual(
      await decide(server, child.accessToken, 'mail/send', {
        arguments: { to: 'x@mandate.local' },
      }),
      ['allow', ALLOWED],
    );
    const r = await signal({
      agent: id('alpha'),
      kind: 'prompt_injection',
      risk: 75,
      source: 'guardrail',
      ttl_seconds: 60,
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(await decide(server, child.accessToken, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
    const [outcome, reasons] = await decide(server, child.accessToken, 'mail/send', {
      approved: true,
      arguments: { to: 'x@mandate.local' },
    });
    assert.deepEqual(
      [outcome, reasons],
      ['deny', ['mandate.signal-read-only']],
      'read only holds for the delegate, approved or not',
    );
    // A restriction below the refusing risk carries over to new work instead of refusing it.
    const again = await delegated('alpha', 'gamma');
    assert.equal(
      (await decide(server, again.child.accessToken, 'docs/read'))[0],
      'approval_required',
    );
    clock.advance(60_000);
    assert.deepEqual(
      await decide(server, child.accessToken, 'docs/read'),
      ['allow', ALLOWED],
      'gone with the signal',
    );
  });

  test("at risk 85 the delegate's calls are denied, and no new task, delegation or re-delegation is issued", async () => {
    const { root, child } = await delegated('delta', 'eps');
    const r = await signal({
      agent: id('delta'),
      kind: 'exfiltration',
      risk: 85,
      source: 'edr',
      ttl_seconds: 60,
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(await decide(server, child.accessToken, 'docs/read', { approved: true }), [
      'deny',
      ['mandate.risk-threshold'],
    ]);
    await assert.rejects(agents.delta!.startTask({ resource: GATEWAY, scope: SCOPES }), /risk 85/);
    await assert.rejects(
      agents.delta!.delegate(root, {
        delegateSvid: await agents.gamma!.delegationSvidFor(id('delta')),
      }),
      /risk 85/,
    );
    await assert.rejects(
      agents.eps!.delegate(child, {
        delegateSvid: await agents.gamma!.delegationSvidFor(id('eps')),
      }),
      /risk 85/,
      'the delegate cannot pass it on either',
    );
    const listed = (await call(server, 'GET', `/v1/tasks?agent=${encodeURIComponent(id('delta'))}`))
      .json;
    assert.equal((listed.tasks as unknown[]).length, 1, 'no task was started at risk 85');
    clock.advance(60_000);
    await agents.delta!.startTask({ resource: GATEWAY, scope: SCOPES });
  });

  test('a task signal counts for every delegate of the task', async () => {
    const { root, child } = await delegated('gamma', 'beta');
    assert.equal(
      (
        await signal({
          task: root.taskId,
          kind: 'judge',
          risk: 60,
          source: 'llm-judge',
          ttl_seconds: 60,
        })
      ).status,
      201,
    );
    assert.deepEqual(await decide(server, child.accessToken, 'docs/read'), [
      'approval_required',
      ['mandate.signal-needs-approval'],
    ]);
  });
});
