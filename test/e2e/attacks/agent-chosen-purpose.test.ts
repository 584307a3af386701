// OWASP Agentic Top 10 2026: ASI01 Agent Goal Hijack. The `undeclared_tool` detector checks each
// call against the tools the task's purpose declares (`signals.purposes`); an agent that could
// name any purpose at token exchange would pick one that declares everything and never be
// flagged. A task's purpose is the agent's registered purpose, or a narrowing of it the operator
// declared: a purpose listed in `signals.purposes` whose tools are all within the registered
// one's. Anything else is refused (400 invalid_request) and nothing is issued. Through real HTTP:
// token exchange by the Mandate SDK, task reads and decisions at
// GET /v1/tasks and POST /v1/authorize by plain fetch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { GATEWAY } from '../helpers/agents.js';
import { call, catalog, decide, eventually, type Json } from '../signals/helpers.js';

const SCOPES = ['tool:docs/*', 'tool:mail/send'];
const PURPOSES = {
  'triage docs': ['tool:docs/*'],
  'read docs': ['tool:docs/read'],
  'do anything': ['tool:*'],
};

describe('ASI01 attack: the agent picks the purpose its calls are checked against', () => {
  let server: TestServer;
  let triager: MandateAgent;
  let free: MandateAgent;

  const register = async (name: string, purpose: string) => {
    await server.admin.registerAgent({
      name,
      owner: 'e2e@example.org',
      purpose,
      allowed_scopes: SCOPES,
    });
    const agent = new MandateAgent({ url: server.url });
    await agent.attest({ joinToken: (await server.admin.createJoinToken(name)).join_token });
    return agent;
  };
  const purposeOf = async (taskId: string) =>
    (await call(server, 'GET', `/v1/tasks/${taskId}`)).json.purpose;

  before(async () => {
    server = await startTestServer({ flags: { signals: JSON.stringify({ purposes: PURPOSES }) } });
    await catalog(server);
    triager = await register('triager', 'triage docs');
    free = await register('free', 'whatever comes');
  });
  after(() => server.stop());

  test('a purpose that declares more than the registered one is refused; nothing is issued', async () => {
    for (const purpose of ['do anything', 'an unlisted purpose']) {
      await assert.rejects(
        triager.startTask({ resource: GATEWAY, scope: SCOPES, purpose }),
        (err: Error) =>
          /`purpose` .* is not the registered purpose `triage docs`/.test(err.message),
        purpose,
      );
    }
    const tasks = (
      await call(
        server,
        'GET',
        `/v1/tasks?agent=${encodeURIComponent(`spiffe://${server.config.trustDomain}/agent/triager`)}`,
      )
    ).json.tasks as Json[];
    assert.equal(tasks.length, 0);
  });

  test('without a purpose the task gets the registered one, and a call outside it is flagged', async () => {
    const t = await triager.startTask({ resource: GATEWAY, scope: SCOPES });
    assert.equal(await purposeOf(t.taskId), 'triage docs');
    // mail/send is in the token's scopes but not in the purpose's tools: allowed once, then flagged.
    assert.equal(
      (
        await decide(server, t.accessToken, 'mail/send', { arguments: { to: 'a@mandate.local' } })
      )[0],
      'allow',
    );
    await eventually(
      async () =>
        (await decide(server, t.accessToken, 'docs/read'))[0] === 'approval_required'
          ? true
          : undefined,
      'undeclared_tool flagged the task',
    );
  });

  test('the registered purpose, or a narrowing the operator declared, is accepted as asked', async () => {
    const same = await triager.startTask({
      resource: GATEWAY,
      scope: SCOPES,
      purpose: 'triage docs',
    });
    assert.equal(await purposeOf(same.taskId), 'triage docs');
    const narrower = await triager.startTask({
      resource: GATEWAY,
      scope: SCOPES,
      purpose: 'read docs',
    });
    assert.equal(await purposeOf(narrower.taskId), 'read docs');
    // An agent whose registered purpose declares no tools list may name any purpose: none declares more than its token.
    const other = await free.startTask({ resource: GATEWAY, scope: SCOPES, purpose: 'read docs' });
    assert.equal(await purposeOf(other.taskId), 'read docs');
  });
});
