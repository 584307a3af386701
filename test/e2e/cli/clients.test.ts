// Issue 15: `mandate clients list|show|revoke|registration-token` in process (buildProgram)
// against a real server. A client registers over HTTP (RFC 7591); its first consent is recorded
// through mandate.clients as the authorization endpoint does; its identity holds a real token
// (attested with a join token, as any agent's), and revoking the client kills that token through
// the revocation feed and revokes its grants.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OAuthClient, RegistrationToken } from '../../../src/sdk/admin-clients.js';
import { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { GATEWAY, introspect } from '../helpers/agents.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';

describe('mandate clients (in process)', () => {
  let server: TestServer;
  let args: string[];
  let clientId: string;

  before(async () => {
    server = await startTestServer();
    args = serverArgs(server);
    const res = await fetch(`${server.config.issuer}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Claude Code',
        redirect_uris: ['http://localhost/callback'],
      }),
    });
    assert.equal(res.status, 201);
    clientId = ((await res.json()) as { client_id: string }).client_id;
  });

  after(async () => {
    await killRunningClis();
    await server.stop();
  });

  test('list shows a registered client nobody consented to yet; show takes its id', async () => {
    const r = await runCli(['clients', 'list', ...args]);
    assert.equal(r.code, 0, r.stderr);
    const [head, row] = r.stdout.trim().split('\n');
    assert.match(head!, /^ID +NAME +KIND +STATUS +OWNER +AGENT +CLIENT ID$/);
    assert.match(
      row!,
      new RegExp(`^${clientId} +Claude Code +registered +active +- +- +${clientId}$`),
    );
    const shown = await runCli(['clients', 'show', clientId, ...args]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^owner +- \(nobody has consented yet\)$/m);
    assert.match(
      shown.stdout,
      new RegExp(`^spiffe id +spiffe://${server.config.trustDomain}/client/${clientId}$`, 'm'),
    );
    const missing = await runCli(['clients', 'show', 'nope', ...args]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no client `nope`; list them with `mandate clients list`/);
  });

  test('after the first consent the client is an agent owned by that human; revoking it kills its token and its grants', async () => {
    const m = server.mandate;
    const client = await m.clients.resolve(clientId);
    await m.store.transaction((tx) => m.clients.recordConsent(tx, client, 'alice@example.org'));
    const shown = await cliJson<OAuthClient>(['clients', 'show', clientId, ...args]);
    assert.equal(shown.owner, 'alice@example.org');
    assert.deepEqual(shown.agent, { name: `client/${clientId}`, status: 'active' });
    // The identity is in the agent inventory like any agent.
    const agent = await server.admin.getAgent(`client/${clientId}`);
    assert.equal(agent.spiffe_id, client.spiffeId);
    assert.equal(agent.owner, 'alice@example.org');
    const grant = await server.admin.createGrant({
      human: 'alice@example.org',
      agent: client.spiffeId,
      scopes: ['tool:docs/read'],
      purpose: 'read docs',
      ttl: 3600,
    });
    // A token the identity holds (attested as any agent is).
    const { join_token } = await server.admin.createJoinToken(`client/${clientId}`);
    const holder = new MandateAgent({ url: server.url });
    await holder.attest({ joinToken: join_token });
    const task = await holder.startTask({ resource: GATEWAY, scope: ['tool:docs/read'] });
    assert.equal((await introspect(server, task.accessToken)).active, true);

    const revoked = await cliJson<OAuthClient>(['clients', 'revoke', clientId, ...args]);
    assert.equal(revoked.status, 'revoked');
    assert.deepEqual(revoked.agent, { name: `client/${clientId}`, status: 'retired' });
    assert.deepEqual(await introspect(server, task.accessToken), { active: false });
    assert.equal(
      (await server.admin.listGrants({ agent: client.spiffeId })).find((g) => g.id === grant.id)
        ?.status,
      'revoked',
    );
    await assert.rejects(m.clients.resolve(clientId), /was revoked/);
    const actions = (await m.store.read.audit.list()).map((e) => e.action);
    assert.deepEqual(actions.slice(-3), ['client.revoke', 'agent.retire', 'grant.revoke']);
    const list = await runCli(['clients', 'list', '--status', 'revoked', ...args]);
    assert.match(
      list.stdout,
      new RegExp(
        `^${clientId} +Claude Code +registered +revoked +alice@example\\.org +retired`,
        'm',
      ),
    );
  });

  test('registration-token prints a token once, with its uses and expiry', async () => {
    const r = await runCli([
      'clients',
      'registration-token',
      '--uses',
      '3',
      '--ttl',
      '600',
      ...args,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [token, line, note] = r.stdout.trim().split('\n');
    assert.match(token!, /^[A-Za-z0-9_-]{43}$/);
    assert.match(line!, /^good for 3 registrations until \d{4}-/);
    assert.match(note!, /registration` setting is `open`/);
    const json = await cliJson<RegistrationToken>(['clients', 'registration-token', ...args]);
    assert.equal(json.uses, 1);
    const bad = await runCli(['clients', 'registration-token', '--uses', '0', ...args]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--uses must be a whole number, at least 1/);
  });
});
