// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, `server` mode, all
// 32 scenarios) run by its own CLI under Node 24 (tools/mcp-conformance): first against the
// scenario upstream directly, then through Mandate's MCP gateway in front of it. See
// docs/mcp-conformance.md.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent } from '../helpers/agents.js';
import { startBearerProxy, type BearerProxy } from './bearer-proxy.js';
import {
  conformanceNodeVersion,
  ensureConformanceTools,
  failures,
  runConformance,
  type ScenarioResult,
} from './conformance-cli.js';
import { SCENARIOS } from './scenarios.js';
import { startScenarioUpstream, TOOL_NAMES, type ScenarioUpstream } from './scenario-server.js';

type Json = Record<string, unknown>;

/** The check of tools-call-simple-text: 0.1.16 also passes an `isError` "tool not found" text, so look at the result itself. */
function assertSimpleTextReachedTheTool(results: Map<string, ScenarioResult>): void {
  const check = results
    .get('tools-call-simple-text')
    ?.checks.find((c) => c.id === 'tools-call-simple-text');
  const result = check?.details?.result as
    { isError?: boolean; content?: { text?: string }[] } | undefined;
  assert.notEqual(result?.isError, true, JSON.stringify(result));
  assert.equal(result?.content?.[0]?.text, 'This is a simple text response for testing.');
}

describe('MCP conformance: the scenario upstream, directly', () => {
  let upstream: ScenarioUpstream;
  let results: Map<string, ScenarioResult>;

  before(async () => {
    ensureConformanceTools();
    upstream = await startScenarioUpstream();
    ({ results } = await runConformance(upstream.url));
  });
  after(() => upstream?.close());

  test('the CLI runs under the Node 24 of tools/mcp-conformance, not the Node 20 of the project', () => {
    assert.match(conformanceNodeVersion(), /^v24\./);
    assert.match(process.version, /^v20\./);
  });

  test('the suite ran every server scenario', () => {
    assert.deepEqual([...results.keys()].sort(), [...SCENARIOS].sort());
  });

  // Every scenario passes here, so a scenario that fails through the gateway fails because of it.
  for (const scenario of SCENARIOS) {
    test(`${scenario} passes`, () => {
      const result = results.get(scenario);
      assert.ok(result?.passed, failures(result));
    });
  }

  test('tools-call-simple-text really reached the tool', () =>
    assertSimpleTextReachedTheTool(results));
});

// The upstream is configured `namespace: false`: the scenarios call fixed names (`test_simple_text`,
// `test://static-text`, `test_simple_prompt`), which a namespaced upstream would expose as
// `conformance__test_simple_text` and `conformance+test://static-text` (23 scenarios then fail
// with "unknown tool/resource/prompt"; docs/mcp-conformance.md).
describe('MCP conformance: through the MCP gateway', () => {
  const SCOPES = ['tool:conformance/*', 'resource:conformance/*', 'prompt:conformance/*'];
  let upstream: ScenarioUpstream;
  let proxy: BearerProxy;
  let server: TestServer;
  let agent: MandateAgent;
  let results: Map<string, ScenarioResult>;
  let output: string;

  const gatewayUrl = () => `${server.url}/mcp`;
  const taskToken = async (scope: string[]) =>
    (
      await agent.startTask({
        resource: gatewayUrl(),
        scope,
        purpose: 'mcp conformance',
        ttlSeconds: 600,
      })
    ).accessToken;

  before(async () => {
    ensureConformanceTools();
    upstream = await startScenarioUpstream();
    // The CLI cannot send a token: it talks to this proxy, which adds one (bearer-proxy.ts).
    proxy = await startBearerProxy('/mcp');
    // The scenario tools only read and return test data: annotated so, the default pack's
    // scope-granted permits allow them (unannotated tools count as destructive: approval).
    const annotations = Object.fromEntries(
      TOOL_NAMES.map((name) => [
        name,
        { sideEffect: 'read', classification: 'public', destinations: [] },
      ]),
    );
    server = await startTestServer({
      flags: {
        gateway: {
          // The client only knows the proxy, so browsers' Origin would be the proxy's: that is the
          // one origin allowed. (Mandate listens on port 0, so its own origin is not known here;
          // no request in the suite comes from it.)
          allowedOrigins: [proxy.origin],
          upstreams: [
            {
              name: 'conformance',
              transport: 'http',
              url: upstream.url,
              namespace: false,
              annotations,
            },
          ],
        },
      },
    });
    agent = await attestedAgent(server, 'conformance', SCOPES);
    proxy.forwardTo(gatewayUrl(), await taskToken(SCOPES));
    ({ results, output } = await runConformance(proxy.url));
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    await upstream?.close();
  });

  test('the suite ran every server scenario', () => {
    assert.deepEqual([...results.keys()].sort(), [...SCENARIOS].sort(), output.slice(-2000));
  });

  // Logging, progress, sampling, elicitation, resources, prompts, completion, SSE: all transparent.
  for (const scenario of SCENARIOS) {
    test(`${scenario} passes through the gateway`, () => {
      const result = results.get(scenario);
      assert.ok(result?.passed, failures(result));
    });
  }

  test('tools-call-simple-text really reached the tool', () =>
    assertSimpleTextReachedTheTool(results));

  test('dns-rebinding-protection: the gateway itself refuses the forged Origin (403), although the request carries a valid token', () => {
    const rejected = results
      .get('dns-rebinding-protection')
      ?.checks.find((c) => c.id === 'localhost-host-rebinding-rejected');
    assert.equal(rejected?.details?.statusCode, 403, JSON.stringify(rejected));
  });

  test('every tool call, resource read and prompt get of the suite was decided by policy and audited', async () => {
    const res = await fetch(`${server.url}/v1/audit/events`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const decisions = (await res.text())
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Json)
      .filter((e) => e.action === 'decision');
    const allowed = (target: string) =>
      decisions.some((e) => e.target === target && (e.details as Json).outcome === 'allow');
    const called = TOOL_NAMES.filter((t) => t !== 'json_schema_2020_12_tool'); // that one is only listed
    const expected = [
      ...called.map((t) => `conformance/${t}`),
      ...[
        'test://static-text',
        'test://static-binary',
        'test://template/123/data',
        'test://watched-resource',
      ].map((u) => `resource:conformance/${u}`),
      ...[
        'test_simple_prompt',
        'test_prompt_with_arguments',
        'test_prompt_with_embedded_resource',
        'test_prompt_with_image',
      ].map((p) => `prompt:conformance/${p}`),
    ];
    assert.deepEqual(
      expected.filter((t) => !allowed(t)),
      [],
    );
    assert.deepEqual(
      decisions.filter((e) => (e.details as Json).outcome !== 'allow').map((e) => e.target),
      [],
      'nothing was refused',
    );
  });

  test('without a task token (the CLI straight at the gateway) nothing passes: missing_token (RFC 6750 §3.1: no error code in the challenge)', async () => {
    const { results: direct } = await runConformance(gatewayUrl(), {
      scenario: 'server-initialize',
    });
    const check = direct.get('server-initialize')?.checks[0];
    assert.equal(check?.status, 'FAILURE');
    assert.match(check?.errorMessage ?? '', /"error":"missing_token"/);
  });

  test('a token that grants one tool: tools/list shows only it, and a call to another tool is refused', async () => {
    proxy.forwardTo(gatewayUrl(), await taskToken(['tool:conformance/test_simple_text']));
    const { results: listed } = await runConformance(proxy.url, { scenario: 'tools-list' });
    assert.deepEqual(listed.get('tools-list')?.checks[0]?.details?.tools, ['test_simple_text']);
    const { results: image } = await runConformance(proxy.url, { scenario: 'tools-call-image' });
    const check = image.get('tools-call-image')?.checks[0];
    assert.equal(check?.status, 'FAILURE');
    assert.match(check?.errorMessage ?? '', /403|insufficient_scope|denied/);
  });
});
