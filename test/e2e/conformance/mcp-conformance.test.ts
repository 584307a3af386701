// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16, `server` mode, all
// 32 scenarios) run by its own CLI under Node 24 (tools/mcp-conformance). See
// docs/mcp-conformance.md.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { conformanceNodeVersion, ensureConformanceTools, failures, runConformance, type ScenarioResult } from './conformance-cli.js';
import { SCENARIOS } from './scenarios.js';
import { startScenarioUpstream, type ScenarioUpstream } from './scenario-server.js';

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

  test('tools-call-simple-text really reached the tool (0.1.16 also passes an isError "not found" text)', () => {
    const check = results.get('tools-call-simple-text')?.checks.find((c) => c.id === 'tools-call-simple-text');
    const result = check?.details?.result as { isError?: boolean; content?: { text?: string }[] } | undefined;
    assert.notEqual(result?.isError, true);
    assert.equal(result?.content?.[0]?.text, 'This is a simple text response for testing.');
  });
});
