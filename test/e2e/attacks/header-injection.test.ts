// OWASP Agentic Top 10 2026: ASI02 Tool Misuse and Exploitation, ASI04 Agentic Supply Chain.
// A caller chooses the tool name of a `tools/call`, the path and the headers of a proxied request;
// none of it may shape a `WWW-Authenticate` challenge (a `"` in a tool name once added a
// `resource_metadata` of the attacker's choosing, which an MCP client then fetched) or make the
// server fail (a name with a character Node cannot put in a header once gave HTTP 500). A name
// that is not an exposed tool is JSON-RPC -32602 before any header is built; every challenge
// parses under RFC 9110 with Mandate's own `resource_metadata`. Through real HTTP: the official
// MCP SDK client, plain fetch, node:http for raw paths, fast-check for the forms not listed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { attestedAgent } from '../helpers/agents.js';
import {
  gatewayTask,
  mcpClient,
  rawPost,
  startGateway,
  type GatewayEnv,
} from '../gateway/helpers.js';
import { proxyTask, raw, startProxyEnv, type ProxyEnv } from '../proxy/helpers.js';
import { parseChallenges } from './challenge.js';

const INJECTING =
  'mail__read_inbox", resource_metadata="https://evil.example/.well-known/oauth-protected-resource", scope="tool:mail/*';

/** Every challenge parses; each one that names a `resource_metadata` names `expected`. */
function assertChallenge(header: string | null, expected: string): void {
  if (header === null) return;
  for (const c of parseChallenges(header)) {
    const named = c.params.get('resource_metadata');
    if (named !== undefined) assert.equal(named, expected, header);
  }
}

describe('ASI02/ASI04 attack: header injection through caller-chosen names', () => {
  describe('mcp gateway: tools/call names', () => {
    let env: GatewayEnv;
    let agent: MandateAgent;
    let metadataUrl: string;
    let token: string;
    let sessionId: string;

    before(async () => {
      env = await startGateway();
      agent = await attestedAgent(env.server, 'header-injector', ['tool:mail/*']);
      metadataUrl = `${env.server.url}/.well-known/oauth-protected-resource/mcp`;
      // Only send_email: every other tool takes the scope challenge.
      ({ token } = await gatewayTask(env, agent, ['tool:mail/send_email']));
      const { transport } = await mcpClient(env, token);
      sessionId = transport.sessionId!;
    });
    after(() => env.stop());

    const call = (name: string, id: number | string = 1) =>
      rawPost(
        env,
        { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } },
        { authorization: `Bearer ${token}`, 'mcp-session-id': sessionId },
      );

    test('a name with `"` is an unknown tool (-32602): no challenge is built from it', async () => {
      const res = await call(INJECTING);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('www-authenticate'), null);
      const body = (await res.json()) as { id: number; error: { code: number; message: string } };
      assert.equal(body.id, 1);
      assert.equal(body.error.code, -32602);
      assert.match(body.error.message, /unknown tool/);
    });

    test("the official MCP SDK client sees -32602, and the SDK's own header reader never finds an outside resource_metadata", async () => {
      const { client } = await mcpClient(env, token);
      await assert.rejects(
        client.callTool({ name: INJECTING, arguments: {} }),
        (err: Error & { code?: number }) => err.code === -32602,
      );
      await client.close();
      // A real scope challenge (an exposed tool the scopes do not grant) read by the SDK's parser.
      const res = await call('mail__read_inbox');
      assert.equal(res.status, 403);
      const params = extractWWWAuthenticateParams(res);
      assert.equal(params.resourceMetadataUrl?.href, metadataUrl);
      assert.equal(params.error, 'insufficient_scope');
      assert.equal(params.scope, 'tool:mail/read_inbox');
      assertChallenge(res.headers.get('www-authenticate'), metadataUrl);
    });

    test('names with NUL, zero-width, non-Latin-1 or line-break characters: never a 500', async () => {
      for (const name of [
        'mail__read_inbox\u0000',
        'mail__read\u200binbox',
        'mail__读取',
        'mail__read_inbox\r\nx-injected: 1',
        'mail__😀',
        'mail__"',
        'mail__\\',
        `mail__${'a'.repeat(5000)}`,
      ]) {
        const res = await call(name);
        assert.ok(res.status < 500, `${JSON.stringify(name)} gave ${res.status}`);
        assert.equal(res.headers.get('x-injected'), null);
        assertChallenge(res.headers.get('www-authenticate'), metadataUrl);
        await res.arrayBuffer();
      }
    });

    test("fuzzed tool names: status < 500 and any challenge parses with the gateway's own resource_metadata", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 64 }),
            fc.string({ unit: 'binary', maxLength: 32 }).map((s) => `mail__${s}`),
          ),
          async (name) => {
            const res = await call(name);
            await res.arrayBuffer();
            assert.ok(res.status < 500, `${JSON.stringify(name)} gave ${res.status}`);
            assertChallenge(res.headers.get('www-authenticate'), metadataUrl);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe('http proxy: paths and headers', () => {
    let env: ProxyEnv;
    let token: string;
    let metadataUrl: string;

    before(async () => {
      env = await startProxyEnv();
      const agent = await attestedAgent(env.server, 'proxy-header-injector', ['tool:items/*']);
      ({ token } = await proxyTask(env, agent, 'items', ['tool:items/get_item']));
      metadataUrl = `${env.server.url}/.well-known/oauth-protected-resource/proxy/items`;
    });
    after(() => env.stop());

    test("fuzzed paths: status < 500 and any challenge parses with the service's own resource_metadata", async () => {
      const segment = fc.oneof(
        fc
          .string({ unit: 'grapheme-ascii', maxLength: 12 })
          .map((s) => s.replace(/[^\x21-\x7e]/g, '').replace(/[?#]/g, '')),
        fc.string({ unit: 'binary', maxLength: 8 }).map((s) => encodeURIComponent(s)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { maxLength: 4 }),
          fc.boolean(),
          async (segments, withToken) => {
            const r = await raw(
              env,
              'GET',
              `/proxy/items/${segments.join('/')}`,
              withToken ? { token } : {},
            );
            assert.ok(r.status < 500, `${segments.join('/')} gave ${r.status}`);
            assertChallenge(
              (r.headers['www-authenticate'] as string | undefined) ?? null,
              metadataUrl,
            );
          },
        ),
        { numRuns: 60 },
      );
    });

    test('fuzzed Authorization and DPoP headers (Latin-1, as HTTP carries them): status < 500 and a parseable challenge', async () => {
      const latin1 = fc.string({
        unit: fc
          .integer({ min: 0x20, max: 0xff })
          .filter((c) => c !== 0x7f)
          .map((c) => String.fromCharCode(c)),
        maxLength: 80,
      });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('Bearer ', 'DPoP ', 'bearer ', '', 'Basic '),
          latin1,
          fc.option(latin1),
          async (scheme, credential, dpop) => {
            const headers: Record<string, string> = {
              authorization: `${scheme}${credential}`.trim() || 'x',
            };
            if (dpop !== null) headers.dpop = dpop;
            const r = await raw(env, 'GET', '/proxy/items/items/1', {
              headers: Object.fromEntries(
                Object.entries(headers).map(([k, v]) => [
                  k,
                  Buffer.from(v, 'latin1').toString('latin1'),
                ]),
              ),
            });
            assert.ok(r.status < 500, `${JSON.stringify(headers)} gave ${r.status}`);
            assertChallenge(
              (r.headers['www-authenticate'] as string | undefined) ?? null,
              metadataUrl,
            );
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
