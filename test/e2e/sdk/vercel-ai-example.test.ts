// The worked example in examples/vercel-ai-sdk, without a model: its Vercel AI SDK tools are
// executed directly against a real Mandate, as the model's tool calls would be. An external email
// is allowed in a clean task; after the task read a confidential customer record, the same email
// is refused with the policy that refused it, and nothing is sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ToolExecutionOptions } from 'ai';
import { startAgent } from '../../../examples/vercel-ai-sdk/agent.js';
import { CATALOG, SCOPES } from '../../../examples/vercel-ai-sdk/catalog.js';
import { createTools, type Backends } from '../../../examples/vercel-ai-sdk/tools.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';

const CALL: ToolExecutionOptions = { toolCallId: 'call-1', messages: [] };

describe('examples/vercel-ai-sdk against a real Mandate', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    for (const [name, tools] of Object.entries(CATALOG)) {
      const res = await fetch(`${server.url}/v1/tools/${name}`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(tools),
      });
      assert.equal(res.status, 200, await res.text());
    }
    await server.admin.registerAgent({
      name: 'support-bot',
      owner: 'support@example.org',
      purpose: 'answers customer questions',
      allowed_scopes: SCOPES,
    });
  });
  after(() => server.stop());

  async function freshAgent(): Promise<{
    tools: ReturnType<typeof createTools>;
    backends: Backends;
    end: () => Promise<void>;
  }> {
    const { join_token } = await server.admin.createJoinToken('support-bot');
    const { agent, task } = await startAgent({ url: server.url, joinToken: join_token });
    assert.equal(task.tokenType, 'DPoP');
    const backends: Backends = {
      customers: new Map([
        ['ada@example.com', { name: 'Ada', plan: 'enterprise', notes: 'renewal due in March' }],
      ]),
      outbox: [],
    };
    return { tools: createTools(agent, task, backends), backends, end: () => agent.endTask(task) };
  }

  test('allowed: an email to an outside address from a task that read nothing confidential', async () => {
    const { tools, backends, end } = await freshAgent();
    const result = await tools.sendEmail.execute!(
      { to: 'partner@agency.example', subject: 'hello', body: 'our brochure' },
      CALL,
    );
    assert.deepEqual(result, { sent: true });
    assert.equal(backends.outbox.length, 1);
    await end();
  });

  test('denied with the reason: the same email after reading a confidential record', async () => {
    const { tools, backends, end } = await freshAgent();
    const record = await tools.lookupCustomer.execute!({ email: 'ada@example.com' }, CALL);
    assert.deepEqual(record, { name: 'Ada', plan: 'enterprise', notes: 'renewal due in March' });
    const refusal = await tools.sendEmail.execute!(
      { to: 'partner@agency.example', subject: 'notes', body: 'renewal due in March' },
      CALL,
    );
    assert.ok(
      typeof refusal === 'object' && refusal !== null && 'refused' in refusal,
      JSON.stringify(refusal),
    );
    assert.equal(refusal.outcome, 'denied');
    assert.deepEqual(refusal.reasons, ['mandate.no-external-after-confidential']);
    assert.match(String(refusal.decisionId), /\S/);
    assert.deepEqual(backends.outbox, [], 'nothing was sent');
    // Internal mail is still fine: the rule is about data leaving the trust domain.
    const internal = await tools.sendEmail.execute!(
      { to: `ops@${server.config.trustDomain}`, subject: 'notes', body: 'renewal due in March' },
      CALL,
    );
    assert.deepEqual(internal, { sent: true });
    await end();
  });
});
