// Hints from trusted upstreams, end to end: @modelcontextprotocol/server-everything (a server
// Mandate's authors did not write, over stdio) and the hinted fixture (HTTP, hints changed while
// it runs) behind a real gateway with `trustHints`, a second copy of the fixture without it, the
// default policy pack, the official MCP SDK client, and `mandate tools` run against the running
// server. No restart anywhere: every catalog change is seen by the next call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogToolInfo } from '../../../src/sdk/admin-tools.js';
import type { MandateAgent } from '../../../src/sdk/agent.js';
import { startHintedServer, type HintedServer } from '../../fixtures/mcp-servers/hinted.js';
import { attestedAgent } from '../helpers/agents.js';
import { runCli, serverArgs } from '../helpers/cli.js';
import {
  auditEvents,
  eventually,
  gatewayTask,
  mcpClient,
  startGateway,
  type GatewayEnv,
  type Json,
} from './helpers.js';

const EVERYTHING = fileURLToPath(
  new URL(
    '../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
    import.meta.url,
  ),
);
const SCOPES = ['tool:everything/*', 'tool:hinted/*', 'tool:rogue/*'];

const text = (r: CallToolResult): string =>
  (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');
const decisionOf = (r: CallToolResult): Json | undefined =>
  (r._meta as Json | undefined)?.['mandate/decision'] as Json | undefined;

describe('mcp gateway: hints from trusted upstreams', () => {
  let env: GatewayEnv;
  let hinted: HintedServer;
  let rogue: HintedServer;
  let agent: MandateAgent;
  let client: Client;
  const tool = async (id: string): Promise<CatalogToolInfo> => {
    const found = (await env.server.admin.tools.list()).find((t) => t.id === id);
    assert.ok(found, `${id} is in the catalog`);
    return found;
  };
  const call = async (name: string, args: Json = {}): Promise<CallToolResult> =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  /** The call ran at the upstream without an approval. */
  const runs = async (name: string, args: Json = {}): Promise<CallToolResult> => {
    const r = await call(name, args);
    assert.equal(r.isError, undefined, `${name}: ${text(r)}`);
    assert.equal(decisionOf(r), undefined);
    return r;
  };
  /**
   * The call was held for a human approval by the default pack's destructive rule. In a task of
   * its own: once a task has read confidential data (every unclassified tool returns that), a
   * tool that may reach any host is denied outright by the taint rule instead.
   */
  const needsApproval = async (name: string, args: Json = {}): Promise<void> => {
    const { token } = await gatewayTask(env, agent, SCOPES);
    const fresh = (await mcpClient(env, token)).client;
    const r = (await fresh.callTool({ name, arguments: args })) as CallToolResult;
    await fresh.close();
    assert.equal(r.isError, true, `${name}: ${text(r)}`);
    assert.equal(decisionOf(r)?.outcome, 'approval_required', `${name}: ${text(r)}`);
    assert.deepEqual(decisionOf(r)?.reasons, ['mandate.destructive-needs-approval']);
  };
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, ...serverArgs(env.server)]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    hinted = await startHintedServer();
    rogue = await startHintedServer();
    env = await startGateway({
      upstreams: [
        {
          name: 'everything',
          transport: 'stdio',
          command: process.execPath,
          args: [EVERYTHING, 'stdio'],
          trustHints: true,
        },
        { name: 'hinted', transport: 'http', url: hinted.url, trustHints: true },
        { name: 'rogue', transport: 'http', url: rogue.url },
      ],
    });
    agent = await attestedAgent(env.server, 'hinter', SCOPES);
    const { token } = await gatewayTask(env, agent, SCOPES);
    ({ client } = await mcpClient(env, token));
  });
  after(async () => {
    await client?.close();
    await env?.stop();
    await hinted?.close();
    await rogue?.close();
  });

  test("server-everything's read-only tools run without an approval; a tool with no hints still needs one", async () => {
    const echo = await tool('everything/echo');
    assert.equal(echo.side_effect, 'read');
    assert.deepEqual(echo.destinations, []);
    assert.equal(echo.classification, 'confidential', 'no hint speaks of classification');
    assert.equal(echo.source, 'upstream-hint');
    assert.deepEqual(echo.sources, {
      side_effect: 'upstream-hint',
      classification: 'default',
      destinations: 'upstream-hint',
    });
    assert.equal(echo.upstream_hints?.readOnlyHint, true);
    assert.equal(echo.hints_trusted, true);

    // In one task: the first read taints it confidential, and the second, closed world, still runs.
    assert.match(text(await runs('everything__echo', { message: 'hello' })), /hello/);
    assert.match(text(await runs('everything__get-sum', { a: 2, b: 3 })), /5/);
    // destructiveHint false: a write, which the default pack lets run.
    assert.equal((await tool('everything/toggle-simulated-logging')).side_effect, 'write');

    const plain = await tool('hinted/plain');
    assert.equal(plain.source, 'default');
    assert.equal(plain.side_effect, 'destructive');
    await needsApproval('hinted__plain');
    assert.ok(!hinted.calls.includes('plain'), 'never forwarded');
  });

  test("an untrusted upstream's hints gain nothing: `wipe` claims readOnlyHint and still needs an approval", async () => {
    const wipe = await tool('rogue/wipe');
    assert.equal(wipe.upstream_hints?.readOnlyHint, true, 'the claim is shown');
    assert.equal(wipe.hints_trusted, false);
    assert.equal(wipe.side_effect, 'destructive');
    assert.equal(wipe.source, 'default');
    await needsApproval('rogue__wipe');
    assert.deepEqual(rogue.calls, [], 'nothing reached the untrusted upstream');
    // The same claim from the trusted upstream is taken: trust is the operator's word, per upstream.
    await runs('hinted__wipe');
    assert.deepEqual(hinted.calls, ['wipe']);
  });

  test('a changed hint reverts the tool to the restrictive default and is audited, until `mandate tools review`', async () => {
    await runs('hinted__lookup', { word: 'a' });
    await hinted.setHints('lookup', {
      readOnlyHint: false,
      destructiveHint: false,
      openWorldHint: false,
    });
    await eventually(
      async () => (await tool('hinted/lookup')).hint_changed,
      'the list change reaches the catalog',
    );
    const held = await tool('hinted/lookup');
    assert.equal(held.source, 'hint-changed');
    assert.equal(held.side_effect, 'destructive');
    assert.deepEqual(held.destinations, ['*']);
    assert.deepEqual(held.reviewed_hints, {
      readOnlyHint: true,
      destructiveHint: false,
      openWorldHint: false,
    });
    const events = (await auditEvents(env.server)).filter(
      (e) => e.action === 'tool_catalog.hint_change',
    );
    assert.deepEqual(
      events.map((e) => [e.target, e.actor, (e.details as Json).held]),
      [['hinted/lookup', 'system', ['sideEffect', 'destinations']]],
    );
    await needsApproval('hinted__lookup', { word: 'b' });

    const listed = await cli('tools', 'list', '--server', 'hinted');
    assert.match(
      listed,
      /hinted\/lookup +destructive +confidential +\* +hint-changed +not read-only, not destructive, closed world \(changed; reviewed: read-only, not destructive, closed world\) +-/,
    );

    const reviewed = await cli('tools', 'review', 'hinted/lookup');
    assert.match(
      reviewed,
      /^reviewed hinted\/lookup: not read-only, not destructive, closed world/,
    );
    assert.match(reviewed, /side effect +write \(upstream-hint\)/);
    await runs('hinted__lookup', { word: 'c' });
    assert.deepEqual(
      (await auditEvents(env.server))
        .filter((e) => e.action === 'tool_catalog.review')
        .map((e) => [e.target, e.actor]),
      [['hinted/lookup', 'admin']],
    );
  });

  test('`mandate tools annotate` overrides a hint and takes effect at the next call, without a restart', async () => {
    await runs('everything__echo', { message: 'before' });
    const out = await cli('tools', 'annotate', 'everything/echo', '--side-effect', 'destructive');
    assert.match(out, /side effect +destructive \(operator\)/);
    assert.match(out, /destinations +none \(upstream-hint\)/);
    await needsApproval('everything__echo', { message: 'after' });

    await cli('tools', 'annotate', 'hinted/plain', '--side-effect', 'read', '--destinations', '');
    await runs('hinted__plain');
    const plain = await tool('hinted/plain');
    assert.equal(plain.source, 'operator');
    assert.deepEqual(plain.annotation, { sideEffect: 'read', destinations: [] });

    const listed = JSON.parse(
      await cli('tools', 'list', '--server', 'everything', '--json'),
    ) as CatalogToolInfo[];
    const echo = listed.find((t) => t.id === 'everything/echo');
    assert.deepEqual(
      [echo?.side_effect, echo?.sources.side_effect, echo?.annotation],
      ['destructive', 'operator', { sideEffect: 'destructive' }],
    );
    // Refused: the untrusted upstream's tool has no hints to review.
    const refused = await runCli(['tools', 'review', 'rogue/wipe', ...serverArgs(env.server)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /`rogue` is not trusted for hints/);
  });
});
