// The agent's MCP client transport: the official MCP SDK client (StreamableHTTPClientTransport with
// MandateAgent.taskFetch as its fetch) against a real MCP server (McpServer + StreamableHTTPServerTransport
// on node:http) protected by the SDK's node/Express middleware, with real task tokens: DPoP-bound
// with server nonces, Bearer, the wrong audience, and a task ended mid-session.
import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { MandateAgent, TaskToken } from '../../../src/sdk/agent.js';
import { RotatingDpopNonces } from '../../../src/sdk/index.js';
import { mandateExpress, type NodeRequestLike } from '../../../src/sdk/middleware/express.js';
import { TokenVerifier, type Principal } from '../../../src/sdk/index.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { attestedAgent, GATEWAY, introspect } from '../helpers/agents.js';
import { listenLoopback } from './helpers.js';

const SCOPE = 'tool:notes/read';

/** A stateless MCP server with one tool that reports who called it, as the middleware verified. */
function mcpHandler(req: IncomingMessage & NodeRequestLike, res: ServerResponse): Promise<void> {
  const server = new McpServer({ name: 'notes', version: '1.0.0' });
  server.registerTool(
    'whoami',
    { description: 'who is calling', inputSchema: { note: z.string().optional() } },
    async ({ note }) => {
      const ctx = req.mandate!;
      return {
        content: [
          {
            type: 'text',
            text: JSON.stringify({
              actor: ctx.principal.actor,
              chain: ctx.chain,
              scheme: ctx.scheme,
              task: ctx.principal.taskId,
              note: note ?? null,
            }),
          },
        ],
      };
    },
  );
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  return server.connect(transport).then(() => transport.handleRequest(req, res));
}

describe('MCP client transport with a task token', () => {
  let mandate: TestServer;
  let http: Server;
  let mcpUrl: string;
  let alpha: MandateAgent;
  let delta: MandateAgent;
  const statuses: number[] = [];

  before(async () => {
    mandate = await startTestServer();
    alpha = await attestedAgent(mandate, 'alpha', [SCOPE]);
    delta = await attestedAgent(mandate, 'delta', [SCOPE], { dpop: true });
    // Listening first (port 0): the MCP URL is the tokens' audience, which the verifier needs.
    const listener = await listenLoopback();
    http = listener.server;
    const { origin } = listener;
    mcpUrl = `${origin}/mcp`;
    const verifier = new TokenVerifier({
      issuer: mandate.config.issuer,
      audience: mcpUrl,
      jwksUri: `${mandate.url}/.well-known/jwks.json`,
      revocation: async (p: Principal) =>
        (await introspect(mandate, p.token)).active === true ? null : 'inactive at the issuer',
    });
    const guard = mandateExpress({
      verifier,
      origin,
      requiredScopes: [SCOPE],
      nonce: new RotatingDpopNonces(),
      resourceMetadata: `${origin}/.well-known/oauth-protected-resource/mcp`,
    });
    http.on('request', (req: IncomingMessage, res: ServerResponse) => {
      res.on('finish', () => statuses.push(res.statusCode));
      guard(req, res, (err) => {
        if (err) {
          res.statusCode = 500;
          res.end();
          return;
        }
        mcpHandler(req, res).catch(() => {
          if (!res.headersSent) res.statusCode = 500;
          res.end();
        });
      });
    });
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    await mandate.stop();
  });

  async function connect(agent: MandateAgent, task: TaskToken): Promise<Client> {
    const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl), agent.mcpTransportOptions(task)),
    );
    return client;
  }

  async function whoami(client: Client, note?: string): Promise<Record<string, unknown>> {
    const result = await client.callTool({
      name: 'whoami',
      arguments: note === undefined ? {} : { note },
    });
    const content = result.content as { type: string; text: string }[];
    return JSON.parse(content[0]!.text) as Record<string, unknown>;
  }

  test('a DPoP-bound task: initialize, tools/list and tools/call, with the nonce retry done by taskFetch', async () => {
    const task = await delta.startTask({ resource: mcpUrl, scope: [SCOPE], purpose: 'mcp e2e' });
    statuses.length = 0;
    const client = await connect(delta, task);
    assert.equal(statuses[0], 401, 'the first request is asked for a nonce');
    assert.ok(
      statuses.slice(1).every((s) => s !== 401),
      `no other refusal: ${statuses.join(',')}`,
    );
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['whoami'],
    );
    const who = await whoami(client, 'hello');
    assert.equal(who.actor, delta.spiffeId);
    assert.equal(who.scheme, 'DPoP');
    assert.equal(who.task, task.taskId);
    assert.equal(who.note, 'hello');
    await client.close();
  });

  test('a bearer task works the same way', async () => {
    const task = await alpha.startTask({ resource: mcpUrl, scope: [SCOPE] });
    const client = await connect(alpha, task);
    const who = await whoami(client);
    assert.equal(who.actor, alpha.spiffeId);
    assert.equal(who.scheme, 'Bearer');
    assert.deepEqual(who.chain, [alpha.spiffeId]);
    await client.close();
  });

  test('a task for another audience cannot even initialize', async () => {
    const task = await alpha.startTask({ resource: GATEWAY, scope: [SCOPE] });
    await assert.rejects(connect(alpha, task), /invalid_token.*not meant for this audience/);
  });

  test('ending the task mid-session: the next call is refused', async () => {
    const task = await delta.startTask({ resource: mcpUrl, scope: [SCOPE] });
    const client = await connect(delta, task);
    assert.equal((await whoami(client)).actor, delta.spiffeId);
    await delta.endTask(task);
    await assert.rejects(whoami(client), /invalid_token.*revoked: inactive at the issuer/);
    await client.close();
  });
});
