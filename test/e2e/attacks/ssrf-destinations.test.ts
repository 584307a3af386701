// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation (an agent's tool made to fetch
// cloud metadata or reach an internal service: server-side request forgery), ASI01 Agent Goal
// Hijack (a hijacked agent hiding where a call goes: a second URL, a nested or padded key, a
// tricked address, a URL or JSON body with two readings). Every destination of a call must
// reach policy, internal networks are denied unless the operator allowed them, and anything
// with more than one reading is refused with the reason. Decided over plain HTTP (fetch against
// POST /v1/authorize) against a real server, with the default pack.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { loadDefaultPolicies } from '../../../src/policy/default-pack.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { adminCall, type Json } from '../helpers/admin.js';
import { attestedAgent, GATEWAY } from '../helpers/agents.js';
import { decide, pick, taskToken } from './authorize.js';

const SCOPES = ['tool:web/*', 'tool:docs/*', 'tool:mail/*', 'tool:fs/*'];

const task = (agent: MandateAgent): Promise<string> => taskToken(agent, SCOPES, 'ssrf e2e');

async function setUp(flags: Json = {}): Promise<{ server: TestServer; agent: MandateAgent }> {
  // example.org is the operator's own domain: internal by name (its mailboxes are fine, its hosts are not reached unless allowed).
  const server = await startTestServer({ flags: { internalDomains: 'example.org', ...flags } });
  const agent = await attestedAgent(server, 'alpha', SCOPES);
  const put = async (name: string, body: Json) =>
    assert.equal((await adminCall(server, 'PUT', `/v1/tools/${name}`, body)).status, 200);
  const open = { type: 'object' };
  // `fetch` is left to the catalog's defaults for extractors and destinations (`*`), as most tools are.
  await put('web', {
    tools: [
      { name: 'fetch', inputSchema: { type: 'object', properties: { url: { type: 'string' } } } },
    ],
    annotations: { fetch: { sideEffect: 'read', classification: 'public' } },
  });
  await put('docs', {
    tools: [{ name: 'secret', inputSchema: open }],
    annotations: {
      secret: { sideEffect: 'read', classification: 'confidential', destinations: [] },
    },
  });
  await put('mail', {
    tools: [{ name: 'send', inputSchema: open }],
    annotations: { send: { sideEffect: 'write', classification: 'public', destinations: [] } },
  });
  await put('fs', {
    tools: [{ name: 'read', inputSchema: open }],
    annotations: {
      read: {
        sideEffect: 'read',
        classification: 'internal',
        destinations: [],
        extractors: [{ path: 'file', kind: 'path', root: '/srv' }],
      },
    },
  });
  return { server, agent };
}

const DENY_INTERNAL = { decision: 'deny', reasons: ['mandate.deny-internal-network'] };
const TAINT = { decision: 'deny', reasons: ['mandate.no-external-after-confidential'] };

describe('ASI02/ASI01 attack: ssrf and hidden destinations over POST /v1/authorize', () => {
  let server: TestServer;
  let agent: MandateAgent;

  before(async () => {
    ({ server, agent } = await setUp());
  });
  after(() => server.stop());

  test('an internal destination is denied by mandate.deny-internal-network, in every spelling that has one reading', async () => {
    const token = await task(agent);
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]:8080/',
      'http://[::ffff:7f00:1]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[2002:a9fe:a9fe::]/',
      'http://localhost./',
      'http://LOCALHOST/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://100.100.100.200/',
      'http://0.0.0.0:6379/',
      'http://255.255.255.255/',
      'http://224.0.0.1/',
      'http://10.0.0.5/',
      'http://[fd12::1]/',
    ]) {
      assert.deepEqual(pick(await decide(server, token, 'web/fetch', { url })), DENY_INTERNAL, url);
    }
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'https://example.com/' })).decision,
      'allow',
    );
  });

  test('spellings with more than one reading are refused with the reason', async () => {
    const token = await task(agent);
    for (const url of [
      'http://2130706433/',
      'http://0177.0.0.1/',
      'http://0x7f.1/',
      'http://127.1/',
      'http://[fe80::1%25eth0]/',
      'http://169.254.169.254\\@evil.com/',
      'http://evil.com@169.254.169.254/',
      'http:169.254.169.254/',
      'http://169.254.169.254 /',
    ]) {
      const d = await decide(server, token, 'web/fetch', { url });
      assert.deepEqual([d.decision, d.reasons], ['deny', []], url);
      assert.match(d.errors.join(), /argument `url` has more than one reading: /u, url);
    }
    assert.match(
      (await decide(server, token, 'web/fetch', { url: 'http://169.254.169.254\\@evil.com/' }))
        .errors[0]!,
      /a backslash at position 22/u,
    );
  });

  test('every destination reaches policy: a second url, nested and renamed keys, padded keys, urls in lists', async () => {
    const token = await task(agent);
    for (const args of [
      { url: 'https://example.com/', next: 'http://169.254.169.254/' },
      { target: { url: 'http://169.254.169.254/' } },
      { 'url ': 'http://169.254.169.254/' },
      { urls: ['https://example.com/', 'http://10.1.2.3/'] },
      { a: { b: { c: { d: { e: { f: { callback_url: 'http://127.0.0.1/' } } } } } } },
      { url: 'https://wiki.example.org/' },
    ]) {
      assert.deepEqual(
        pick(await decide(server, token, 'web/fetch', args)),
        DENY_INTERNAL,
        JSON.stringify(args),
      );
    }
  });

  test('a destination past what is read is not let through: deep nesting, padding with empty containers', async () => {
    const token = await task(agent);
    const deep = (v: unknown, n: number): unknown => (n === 0 ? v : [deep(v, n - 1)]);
    for (const args of [
      { a: deep('http://169.254.169.254/', 9) },
      { a: deep({ url: 'http://169.254.169.254/' }, 12) },
      { pad: Array.from({ length: 5000 }, () => []), x: 'http://169.254.169.254/' },
      { pad: Array.from({ length: 5000 }, () => ({})), url: 'http://10.0.0.5/' },
    ]) {
      const d = await decide(server, token, 'web/fetch', args);
      assert.equal(d.decision, 'deny', JSON.stringify(args).slice(0, 120));
    }
  });

  test('a url argument a lenient client completes (no scheme, scheme-relative, host:port) reaches policy by its host', async () => {
    const token = await task(agent);
    for (const url of [
      '169.254.169.254/latest/meta-data/',
      '//169.254.169.254/latest/',
      'localhost:8080/admin',
      '10.0.0.5:6379',
      '[::1]/x',
      'metadata.google.internal/computeMetadata/v1/',
    ]) {
      assert.deepEqual(pick(await decide(server, token, 'web/fetch', { url })), DENY_INTERNAL, url);
    }
    for (const url of ['127.1/', '//0x7f.1/', '2130706433:80/']) {
      const d = await decide(server, token, 'web/fetch', { url });
      assert.deepEqual([d.decision, d.reasons], ['deny', []], url);
      assert.match(d.errors.join(), /argument `url` has more than one reading: /u, url);
    }
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'example.com/page' })).decision,
      'allow',
    );
  });

  test('a host under any key: an ip literal anywhere, keys padded with invisible characters, a bare ipv6 host, cluster names', async () => {
    const token = await task(agent);
    for (const args of [
      { ip: '10.0.0.5' },
      { address: '169.254.169.254:80' },
      { server: { target: ['[::1]:8080'] } },
      { domain: 'fd00::5' },
      { 'u\u200brl': '169.254.169.254/latest/' },
      { 'h\u00adost': 'metadata' },
      { host: '::1' },
      { url: 'http://kubernetes.default.svc/api' },
      { url: 'http://redis.cache.svc.cluster.local:6379/' },
      { host: 'kubernetes.default' },
      { url: 'http://intranet.corp/' },
    ]) {
      assert.deepEqual(
        pick(await decide(server, token, 'web/fetch', args)),
        DENY_INTERNAL,
        JSON.stringify(args),
      );
    }
    // A public address under any key is an external destination: after confidential data, the taint rule holds.
    assert.equal((await decide(server, token, 'docs/secret', {})).decision, 'allow');
    assert.deepEqual(
      pick(
        await decide(server, token, 'mail/send', {
          to: 'bob@example.org',
          target: '93.184.216.34:443',
        }),
      ),
      TAINT,
    );
  });

  test('after confidential data, a call with a second, external url is denied by the taint rule', async () => {
    const token = await task(agent);
    assert.equal((await decide(server, token, 'docs/secret', {})).decision, 'allow');
    assert.equal(
      (await decide(server, token, 'mail/send', { to: 'bob@example.org' })).decision,
      'allow',
      'an internal mailbox is fine',
    );
    assert.deepEqual(
      pick(
        await decide(server, token, 'mail/send', {
          to: 'bob@example.org',
          cc: 'drop@attacker.example',
        }),
      ),
      TAINT,
    );
    assert.deepEqual(
      pick(
        await decide(server, token, 'mail/send', {
          to: 'bob@example.org',
          meta: { target: { URL: 'https://attacker.example/x' } },
        }),
      ),
      TAINT,
    );
    assert.deepEqual(
      pick(
        await decide(server, token, 'mail/send', {
          to: 'bob@example.org',
          recipients: ['bob@example.org', 'eve@attacker.example'],
        }),
      ),
      TAINT,
    );
    // Nothing found for a tool that may reach any host (`*`) is external.
    assert.deepEqual(pick(await decide(server, token, 'web/fetch', {})), TAINT);
  });

  test('tricked email addresses are refused with the reason', async () => {
    const token = await task(agent);
    for (const to of [
      'x@evil@example.org',
      'x%40evil.example@example.org',
      'x%evil.example@example.org',
      '"x@evil.example"@example.org',
      '"bob@example.org" <eve@attacker.example>',
    ]) {
      const d = await decide(server, token, 'mail/send', { to });
      assert.deepEqual([d.decision, d.reasons], ['deny', []], to);
      assert.match(d.errors.join(), /argument `to` has more than one reading: the address /u, to);
    }
  });

  test('duplicate json keys in the arguments are refused with the key named, and nothing is decided', async () => {
    const token = await task(agent);
    const raw = `{"token":${JSON.stringify(token)},"audience":${JSON.stringify(GATEWAY)},"tool":"web/fetch","arguments":{"url":"https://example.com/","url":"http://169.254.169.254/"}}`;
    const r = await adminCall(server, 'POST', '/v1/authorize', undefined, raw);
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'invalid_request');
    assert.match(
      r.json.detail as string,
      /the json body has the key `url` twice in `\$\.arguments`/u,
    );
    const escaped = raw.replace('"url":"http', '"\\u0075rl":"http');
    assert.equal(
      (await adminCall(server, 'POST', '/v1/authorize', undefined, escaped)).status,
      400,
      'an escaped spelling of the same key',
    );
  });
});

describe("ASI02 attack: path arguments resolved against the tool's root", () => {
  let server: TestServer;
  let agent: MandateAgent;

  before(async () => {
    ({ server, agent } = await setUp());
    const { policies } = loadDefaultPolicies();
    const forbid =
      '@id("ops.no-secret-files")\nforbid (principal, action, resource == Mandate::Tool::"fs/read")\nwhen { context.arguments.hasTag("file") && context.arguments.getTag("file") like "/srv/secret/*" };\n';
    const created = await adminCall(server, 'POST', '/v1/policies', {
      files: [
        ...policies.map((p) => ({ name: p.file.split('/').pop(), text: p.text })),
        { name: 'ops.cedar', text: forbid },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(
      (await adminCall(server, 'POST', `/v1/policies/${created.json.version as number}/activate`))
        .status,
      200,
    );
  });
  after(() => server.stop());

  test('`secret/plans.txt` is `/srv/secret/plans.txt` to policy; `..` is refused', async () => {
    const token = await task(agent);
    const forbidden = { decision: 'deny', reasons: ['ops.no-secret-files'] };
    assert.deepEqual(
      pick(await decide(server, token, 'fs/read', { file: '/srv/secret/plans.txt' })),
      forbidden,
    );
    assert.deepEqual(
      pick(await decide(server, token, 'fs/read', { file: 'secret/plans.txt' })),
      forbidden,
    );
    assert.deepEqual(
      pick(await decide(server, token, 'fs/read', { file: './secret//plans.txt' })),
      forbidden,
    );
    assert.equal(
      (await decide(server, token, 'fs/read', { file: 'public/readme.txt' })).decision,
      'allow',
    );
    for (const file of [
      'public/../secret/plans.txt',
      '/srv/public/../secret/plans.txt',
      'secret%2fplans.txt',
      'secret\\plans.txt',
    ]) {
      const d = await decide(server, token, 'fs/read', { file });
      assert.deepEqual([d.decision, d.reasons], ['deny', []], file);
      assert.match(d.errors.join(), /path argument `file` is refused: /u, file);
    }
  });
});

describe('ASI02: allowedInternalDestinations', () => {
  let server: TestServer;
  let agent: MandateAgent;

  before(async () => {
    ({ server, agent } = await setUp({ allowedInternalDestinations: '10.1.0.0/16,db.internal' }));
  });
  after(() => server.stop());

  test('a listed internal destination is allowed; another one, even beside it, is not', async () => {
    const token = await task(agent);
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'http://10.1.2.3/' })).decision,
      'allow',
    );
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'http://[::ffff:10.1.2.3]/' })).decision,
      'allow',
    );
    assert.equal(
      (await decide(server, token, 'web/fetch', { url: 'http://db.internal:5432/' })).decision,
      'allow',
    );
    assert.deepEqual(
      pick(await decide(server, token, 'web/fetch', { url: 'http://10.2.0.1/' })),
      DENY_INTERNAL,
    );
    assert.deepEqual(
      pick(
        await decide(server, token, 'web/fetch', {
          url: 'http://10.1.2.3/',
          also: 'http://169.254.169.254/',
        }),
      ),
      DENY_INTERNAL,
    );
  });
});
