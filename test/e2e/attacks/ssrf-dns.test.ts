// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation (server-side request forgery
// through a public name: an agent's fetch tool pointed at `http://meta.attacker.example/`,
// whose DNS answers 169.254.169.254, the cloud metadata address). With `resolveDestinations`
// on, every name a call connects to is resolved at decision time and placed in the most internal
// network among its addresses, so mandate.deny-internal-network denies it; off (the default),
// names are classified by name alone. Decided over plain HTTP (fetch against POST /v1/authorize)
// against a real server with the default pack; the server's resolver is injected so the test
// controls the answers, and the cache's TTL runs on an injected clock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminCall, type Json } from '../helpers/admin.js';
import { attestedAgent } from '../helpers/agents.js';
import { decide as authorize, pick, taskToken } from './authorize.js';

const SCOPES = ['tool:web/*', 'tool:docs/*'];

/** The attacker's DNS: the test changes its answers; every name asked is counted. */
class Dns {
  readonly answers = new Map<string, string[]>();
  readonly asked: string[] = [];
  readonly lookup = async (name: string): Promise<string[]> => {
    this.asked.push(name);
    const a = this.answers.get(name);
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return a;
  };
}

const task = (agent: MandateAgent): Promise<string> => taskToken(agent, SCOPES, 'ssrf dns e2e');
/** The decision and its reasons: these tests compare them whole. */
const decide = async (...a: Parameters<typeof authorize>) => pick(await authorize(...a));

async function setUp(
  flags: Json,
  dns: Dns,
  clock: ManualClock,
): Promise<{ server: TestServer; agent: MandateAgent }> {
  const server = await startTestServer({
    flags: { internalDomains: 'example.org', ...flags },
    clock,
    lookupHost: dns.lookup,
  });
  const agent = await attestedAgent(server, 'alpha', SCOPES);
  const put = async (name: string, body: Json) =>
    assert.equal((await adminCall(server, 'PUT', `/v1/tools/${name}`, body)).status, 200);
  await put('web', {
    tools: [
      { name: 'fetch', inputSchema: { type: 'object', properties: { url: { type: 'string' } } } },
    ],
    annotations: { fetch: { sideEffect: 'read', classification: 'public' } },
  });
  await put('docs', {
    tools: [{ name: 'secret', inputSchema: { type: 'object' } }],
    annotations: {
      secret: { sideEffect: 'read', classification: 'confidential', destinations: [] },
    },
  });
  return { server, agent };
}

const DENY_INTERNAL = { decision: 'deny', reasons: ['mandate.deny-internal-network'] };
const TAINT = { decision: 'deny', reasons: ['mandate.no-external-after-confidential'] };

describe('ASI02 attack: ssrf through a public name that resolves inside (resolveDestinations)', () => {
  const dns = new Dns();
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let agent: MandateAgent;

  before(async () => {
    dns.answers.set('meta.attacker.example', ['169.254.169.254']);
    dns.answers.set('v6.attacker.example', ['93.184.216.34', '::ffff:127.0.0.1']);
    dns.answers.set('www.example.com', ['93.184.216.34']);
    dns.answers.set('flip.attacker.example', ['93.184.216.34']);
    dns.answers.set('db.attacker.example', ['10.1.2.3']);
    ({ server, agent } = await setUp(
      { resolveDestinations: true, allowedInternalDestinations: '10.1.0.0/16' },
      dns,
      clock,
    ));
  });
  after(() => server.stop());

  test('a name answering cloud metadata, or loopback among public addresses, is denied by mandate.deny-internal-network', async () => {
    const token = await task(agent);
    assert.deepEqual(
      await decide(server, token, 'web/fetch', {
        url: 'http://meta.attacker.example/latest/meta-data/',
      }),
      DENY_INTERNAL,
    );
    assert.deepEqual(
      await decide(server, token, 'web/fetch', { url: 'https://V6.attacker.example./x' }),
      DENY_INTERNAL,
    );
    assert.deepEqual(
      await decide(server, token, 'web/fetch', {
        url: 'https://www.example.com/',
        next: { target: 'http://meta.attacker.example/' },
      }),
      DENY_INTERNAL,
    );
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'https://www.example.com/' })).decision,
      'allow',
    );
  });

  test('an address in allowedInternalDestinations is allowed, yet the name stays external for the taint rule', async () => {
    const token = await task(agent);
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'http://db.attacker.example/' })).decision,
      'allow',
    );
    assert.equal((await decide(server, token, 'docs/secret', {})).decision, 'allow');
    assert.deepEqual(
      await decide(server, token, 'web/fetch', { url: 'http://db.attacker.example/' }),
      TAINT,
    );
  });

  test('a name that does not resolve is external (unknown): allowed before any data was read, denied by the taint rule after', async () => {
    const token = await task(agent);
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'https://nowhere.attacker.example/' }))
        .decision,
      'allow',
    );
    assert.equal((await decide(server, token, 'docs/secret', {})).decision, 'allow');
    assert.deepEqual(
      await decide(server, token, 'web/fetch', { url: 'https://nowhere.attacker.example/' }),
      TAINT,
    );
  });

  test('answers are cached for 30 s: a new answer counts once the cached one has expired', async () => {
    const token = await task(agent);
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'https://flip.attacker.example/' }))
        .decision,
      'allow',
    );
    const asked = dns.asked.filter((n) => n === 'flip.attacker.example').length;
    dns.answers.set('flip.attacker.example', ['127.0.0.1']);
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'https://flip.attacker.example/' }))
        .decision,
      'allow',
      'the cached answer',
    );
    assert.equal(
      dns.asked.filter((n) => n === 'flip.attacker.example').length,
      asked,
      'no second lookup within the TTL',
    );
    clock.advance(30_000);
    assert.deepEqual(
      await decide(server, await task(agent), 'web/fetch', {
        url: 'https://flip.attacker.example/',
      }),
      DENY_INTERNAL,
    );
  });
});

describe('ASI02: resolveDestinations off (the default)', () => {
  const dns = new Dns();
  let server: TestServer;
  let agent: MandateAgent;

  before(async () => {
    dns.answers.set('meta.attacker.example', ['169.254.169.254']);
    ({ server, agent } = await setUp({}, dns, new ManualClock(Date.now())));
  });
  after(() => server.stop());

  test('names are classified by name alone and never resolved', async () => {
    const token = await task(agent);
    assert.equal(
      (
        await decide(server, token, 'web/fetch', {
          url: 'http://meta.attacker.example/latest/meta-data/',
        })
      ).decision,
      'allow',
    );
    assert.deepEqual(dns.asked, []);
  });
});
