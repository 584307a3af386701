// A per-call approval by a human, through the MCP gateway: an agent acting for alice (on-behalf-of
// token) calls a destructive tool; the gateway refuses it with the approval to ask for; alice hears
// of it (signed webhook), signs in at the identity provider and approves that one call in her
// inbox page; the agent, polling with its task token, sees the yes, and the identical call then
// goes through — once. A call with another argument still needs its own approval.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { filesUpstream } from '../gateway/helpers.js';
import { Browser } from './browser.js';
import {
  agentFor,
  agentForm,
  asHuman,
  startDelegationServer,
  WEBHOOK_SECRET,
  type DelegationServer,
} from './helpers.js';
import { startIdp, type Idp } from './idp.js';
import { WebhookReceiver } from './webhook-receiver.js';

type Json = Record<string, unknown>;
const ALICE = 'alice@example.org';
const text = (r: CallToolResult): string => (r.content as { text: string }[])[0]!.text;
const decisionOf = (r: CallToolResult): Json => (r._meta as Json)['mandate/decision'] as Json;

describe('a human approves one call made through the MCP gateway on her behalf', () => {
  const root = mkdtempSync(join(tmpdir(), 'mandate-files-'));
  let idp: Idp;
  let server: DelegationServer;
  let hooks: WebhookReceiver;
  let agent: MandateAgent;
  let mcpUrl: URL;

  before(async () => {
    hooks = await new WebhookReceiver(WEBHOOK_SECRET).start();
    // Mandate listens on port 0; the IdP builds its client (with Mandate's callback) at its first request.
    idp = await startIdp({ redirectUri: () => `${server.url}/auth/callback`, groups: {} });
    server = await startDelegationServer({
      flags: {
        oidcIssuer: idp.issuer,
        oidcClientId: idp.clientId,
        oidcScopes: 'openid email groups',
        webhookUrl: hooks.url,
        gateway: { upstreams: [filesUpstream(root)] },
      },
      env: { MANDATE_OIDC_CLIENT_SECRET: idp.clientSecret, MANDATE_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    mcpUrl = new URL(`${server.url}/mcp`);
    agent = await agentFor(server, 'filebot', 'olivia@example.org', ['tool:files/*']);
  });
  after(async () => {
    await server?.stop();
    await idp?.close();
    await hooks?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('refused with the approval, approved by alice in her inbox, then exactly that call runs once', async () => {
    writeFileSync(join(root, 'old-report.txt'), 'bye');
    writeFileSync(join(root, 'keep.txt'), 'stay');
    // The grant: asked by the agent, approved by alice (signed in), exchanged for a token for the gateway.
    const asked = await agentForm(server, agent, '/v1/grant-requests', {
      owner: ALICE,
      scope: 'tool:files/delete_file tool:files/read_file',
      purpose: 'tidy the reports folder',
      duration: '3600',
    });
    const grantId = String(asked.json.id);
    const alice = new Browser();
    const login = await alice.get(`${server.url}/auth/login?return_to=/inbox`);
    const consent = await alice.submit(login, { login: ALICE, password: 'x' });
    const inbox = consent.url.startsWith(idp.issuer) ? await alice.submit(consent, {}) : consent;
    assert.match(inbox.html, /tidy the reports folder/);
    await alice.submit(inbox, {}, '/inbox/act');
    const issued = await agentForm(server, agent, '/oauth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: grantId,
      subject_token_type: 'urn:mandate:params:oauth:token-type:grant',
      resource: mcpUrl.href,
    });
    assert.equal(issued.status, 200, JSON.stringify(issued.json));
    const token = String(issued.json.access_token);

    const client = new Client({ name: 'filebot', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(mcpUrl, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const call = { name: 'files__delete_file', arguments: { path: 'old-report.txt' } };
    const first = (await client.callTool(call)) as CallToolResult;
    assert.equal(first.isError, true);
    const approval = decisionOf(first).approval as Json;
    assert.equal(decisionOf(first).outcome, 'approval_required');
    assert.ok(existsSync(join(root, 'old-report.txt')), 'nothing ran');

    const hook = await hooks.waitFor(
      (d) => d.type === 'approval.requested' && d.json.data.id === approval.id,
    );
    assert.equal(hook.verified, true);
    const status = async () => {
      const res = await fetch(`${server.url}/v1/approvals/${String(approval.id)}/status`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await res.json()) as Json).status;
    };
    assert.equal(await status(), 'pending');

    // Alice answers in her inbox page: the call, its tool and a digest of its arguments.
    const page = await alice.get(`${server.url}/inbox`);
    assert.match(page.html, /files\/delete_file/);
    const done = await alice.submit(page, { action: 'approve' }, '/inbox/act');
    assert.match(decodeURIComponent(done.url), /approved the call to files\/delete_file/, done.url);
    assert.equal(
      await status(),
      'approved',
      'the agent sees the yes when it polls with its task token',
    );

    const other = (await client.callTool({
      name: 'files__delete_file',
      arguments: { path: 'keep.txt' },
    })) as CallToolResult;
    assert.equal(
      decisionOf(other).outcome,
      'approval_required',
      'another argument is another call',
    );
    const approved = (await client.callTool(call)) as CallToolResult;
    assert.equal(approved.isError, undefined, text(approved));
    assert.ok(!existsSync(join(root, 'old-report.txt')), 'the approved call ran');
    assert.ok(existsSync(join(root, 'keep.txt')));
    assert.equal(await status(), 'used');
    writeFileSync(join(root, 'old-report.txt'), 'again');
    const replay = (await client.callTool(call)) as CallToolResult;
    assert.equal(decisionOf(replay).outcome, 'approval_required', 'the approval was single use');
    await client.close();

    const decided = (await asHuman(server, alice, 'GET', '/v1/inbox')).json.approvals as {
      id: string;
    }[];
    assert.ok(!decided.some((a) => a.id === approval.id), 'answered approvals leave the inbox');
  });
});
