import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentRegistry } from '../agents/registry.js';
import { ManualClock } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { GrantRecord } from '../core/store/index.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { ClientService } from './directory.js';
import { MetadataDocuments } from './metadata-document.js';
import { ClientRegistration } from './registration.js';

const ctx = { actor: 'admin', requestId: null };

function setup(o: { documents?: boolean } = {}) {
  const clock = new ManualClock();
  const store = new MemoryStore({ clock });
  const agents = new AgentRegistry(store, clock, {
    trustDomain: 'example.org',
    defaultLimits: { maxTaskTtlSeconds: 3600, maxDelegationDepth: 3 },
  });
  const revoked: string[] = [];
  const fetched: string[] = [];
  const documents = new MetadataDocuments({
    clock,
    fetch: async (url) => {
      fetched.push(url.href);
      return {
        headers: {},
        body: Buffer.from(
          JSON.stringify({ client_id: url.href, redirect_uris: ['http://127.0.0.1/cb'] }),
        ),
      };
    },
  });
  const clients = new ClientService({
    store,
    clock,
    trustDomain: 'example.org',
    documents: o.documents === false ? null : documents,
    agentLimits: { maxTaskTtlSeconds: 3600, maxDelegationDepth: 3 },
    retireAgent: (name, c) => agents.retire(name, c),
    revokeGrant: async (id) => {
      revoked.push(id);
    },
    activeGrants: async (agent) => store.read.grants.list({ agent, status: 'active' }),
  });
  const registration = new ClientRegistration({
    store,
    clock,
    trustDomain: 'example.org',
    mode: 'open',
  });
  const register = () =>
    registration.register(
      JSON.stringify({
        client_name: 'VS Code',
        redirect_uris: ['http://127.0.0.1/cb', 'https://vscode.dev/redirect'],
      }),
      undefined,
      { actor: 'anonymous', requestId: null },
    );
  return { clock, store, agents, clients, register, revoked, fetched };
}

const invalidClient = (why: RegExp) => (err: unknown) =>
  err instanceof MandateError && err.code === 'invalid_client' && why.test(err.message);

test('clients: a registered client resolves; an unknown one is invalid_client', async () => {
  const { clients, register } = setup();
  const r = await register();
  const c = await clients.resolve(r.clientId);
  assert.deepEqual(c, {
    clientId: r.clientId,
    kind: 'registered',
    name: 'VS Code',
    redirectUris: ['http://127.0.0.1/cb', 'https://vscode.dev/redirect'],
    spiffeId: `spiffe://example.org/client/${r.clientId}`,
    owner: null,
    status: 'active',
    tokenEndpointAuthMethod: 'none',
  });
  assert.equal(clients.redirectAllowed(c, 'http://127.0.0.1:41234/cb'), true);
  assert.equal(clients.redirectAllowed(c, 'https://vscode.dev/redirect'), true);
  assert.equal(clients.redirectAllowed(c, 'https://vscode.dev/redirect/'), false);
  await assert.rejects(
    clients.resolve('0123456789abcdef0123456789abcdef'),
    invalidClient(/is not registered/),
  );
  await assert.rejects(
    clients.resolve(''),
    (e: unknown) => e instanceof MandateError && e.code === 'invalid_request',
  );
});

test('clients: a metadata document resolves by its URL to a stable identity; http or off is invalid_client', async () => {
  const { clients, fetched } = setup();
  const url = 'https://app.example/oauth/client.json';
  const c = await clients.resolve(url);
  assert.equal(c.kind, 'metadata-document');
  assert.equal(c.name, 'app.example', 'the host when the document has no client_name');
  assert.match(c.spiffeId, /^spiffe:\/\/example\.org\/client\/[0-9a-f]{32}$/);
  assert.equal((await clients.resolve(url)).spiffeId, c.spiffeId);
  assert.equal(fetched.length, 1, 'cached');
  await assert.rejects(
    clients.resolve('http://app.example/client.json'),
    invalidClient(/must be an https url/),
  );
  await assert.rejects(clients.resolve('https://app.example'), invalidClient(/must have a path/));
  await assert.rejects(
    setup({ documents: false }).clients.resolve(url),
    invalidClient(/`clientMetadataDocuments` is off/),
  );
});

test('clients: the first consent makes the human the owner and creates the agent identity `client/<id>`; later consents change neither', async () => {
  const { clients, store, register } = setup();
  const r = await register();
  const c = await clients.resolve(r.clientId);
  await store.transaction((tx) => clients.recordConsent(tx, c, 'alice@example.org'));
  await store.transaction((tx) => clients.recordConsent(tx, c, 'bob@example.org'));
  const row = await store.read.oauthClients.get(r.clientId);
  assert.equal(row?.owner, 'alice@example.org');
  const agent = await store.read.agents.getBySpiffeId(c.spiffeId);
  assert.equal(agent?.name, `client/${r.clientId}`);
  assert.equal(agent?.owner, 'alice@example.org');
  assert.equal(agent?.status, 'active');
  assert.deepEqual(agent?.labels, { 'oauth-client': 'registered' });
  assert.equal((await clients.resolve(r.clientId)).owner, 'alice@example.org');
  const events = (await store.read.audit.list()).map((e) => [e.action, e.actor]);
  assert.deepEqual(events, [
    ['client.register', 'anonymous'],
    ['agent.register', 'human:alice@example.org'],
  ]);
});

test('clients: a metadata-document client is recorded at its first consent, not before', async () => {
  const { clients, store } = setup();
  const url = 'https://app.example/client.json';
  const c = await clients.resolve(url);
  assert.deepEqual(await store.read.oauthClients.list(), [], 'resolving stores nothing');
  await store.transaction((tx) => clients.recordConsent(tx, c, 'alice@example.org'));
  const row = await clients.get(url);
  assert.equal(row.kind, 'metadata-document');
  assert.equal(row.owner, 'alice@example.org');
  assert.deepEqual(await clients.get(row.id), row, 'by id or by client_id');
  assert.equal((await clients.agentOf(row))?.spiffeId, c.spiffeId);
});

test('clients: a suspended identity or a revoked client is invalid_client; revoking retires the identity and revokes its grants', async () => {
  const { clients, store, register, agents, revoked } = setup();
  const r = await register();
  const c = await clients.resolve(r.clientId);
  await store.transaction((tx) => clients.recordConsent(tx, c, 'alice@example.org'));
  await agents.suspend(`client/${r.clientId}`, ctx);
  await assert.rejects(
    clients.resolve(r.clientId),
    invalidClient(/is suspended \(its agent `client\/[0-9a-f]+`\)/),
  );
  await agents.resume(`client/${r.clientId}`, ctx);
  const grant = (id: string, status: GrantRecord['status']): GrantRecord => ({
    id,
    human: 'alice@example.org',
    agent: c.spiffeId,
    scopes: ['tool:*'],
    purpose: 'p',
    status,
    createdAt: 0,
    expiresAt: Date.UTC(2027, 0, 1),
    revokedAt: null,
  });
  await store.transaction(async (tx) => {
    await tx.grants.insert(grant('g1', 'active'));
    await tx.grants.insert(grant('g2', 'revoked'));
  });
  const after = await clients.revoke(r.clientId, ctx);
  assert.equal(after.status, 'revoked');
  assert.equal((await store.read.agents.getBySpiffeId(c.spiffeId))?.status, 'retired');
  assert.deepEqual(revoked, ['g1']);
  const feed = await store.read.revocations.list();
  assert.deepEqual(
    feed.map((e) => [e.kind, e.subject, e.status]),
    [
      ['agent', c.spiffeId, 'suspended'],
      ['agent', c.spiffeId, 'active'],
      ['agent', c.spiffeId, 'retired'],
    ],
    'the retirement goes through the revocation feed',
  );
  await assert.rejects(clients.resolve(r.clientId), invalidClient(/was revoked/));
  await assert.rejects(
    store.transaction((tx) => clients.recordConsent(tx, c, 'bob@example.org')),
    invalidClient(/was revoked/),
  );
  // Revoking again is harmless.
  assert.equal((await clients.revoke(c.spiffeId.split('/').pop()!, ctx)).status, 'revoked');
  await assert.rejects(
    clients.revoke('nope', ctx),
    (e: unknown) => e instanceof MandateError && e.code === 'not_found',
  );
});
