// The upstream reconnect backoff runs on the injected clock: an HTTP upstream that is down at
// start is tried again when a ManualClock reaches the retry, never on wall time.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ManualClock } from '../../core/clock.js';
import { silentLog } from './ports.js';
import { Upstream } from './upstreams.js';

/** A stateless MCP server with one tool, or 503 while `down`. */
function upstreamServer(): { server: Server; down: boolean; requests: number } {
  const state = { server: undefined as unknown as Server, down: true, requests: 0 };
  state.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    const mcp = new McpServer({ name: 'echo', version: '1.0.0' });
    mcp.registerTool('echo', { description: 'echo' }, async () => ({
      content: [{ type: 'text', text: 'ok' }],
    }));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  });
  return state;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('mcp upstream reconnect', () => {
  const fake = upstreamServer();
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/mcp`;
  });
  after(() => {
    fake.server.closeAllConnections();
    return new Promise((resolve) => fake.server.close(resolve));
  });

  test('an upstream down at start is retried when the injected clock reaches the backoff, not before', async () => {
    const clock = new ManualClock();
    const listed: number[] = [];
    const upstream = new Upstream({ name: 'echo', transport: 'http', url } as never, {
      broker: () => undefined,
      clock,
      nowSeconds: () => clock.now() / 1000,
      log: () => silentLog,
      onTools: async (u) => void listed.push(u.tools.length),
    });
    try {
      await upstream.start();
      assert.equal(upstream.status.ready, false);
      assert.match(upstream.status.error ?? '', /Error POSTing to endpoint/);
      assert.equal(clock.pendingTimers, 1, 'the retry is a timer on the injected clock');
      const seen = fake.requests;
      fake.down = false;
      clock.advance(499);
      for (let i = 0; i < 20; i++) await turn();
      assert.equal(fake.requests, seen, 'no retry before the 500 ms backoff');
      clock.advance(1);
      while (listed.length === 0) await turn();
      assert.equal(upstream.status.ready, true);
      assert.equal(upstream.status.error, null);
      assert.deepEqual(listed, [1], 'the tools were listed once connected');
      assert.equal(clock.pendingTimers, 0);
    } finally {
      await upstream.close();
    }
  });

  test('close cancels a pending retry', async () => {
    fake.down = true;
    const clock = new ManualClock();
    const upstream = new Upstream({ name: 'echo', transport: 'http', url } as never, {
      broker: () => undefined,
      clock,
      nowSeconds: () => clock.now() / 1000,
      log: () => silentLog,
      onTools: async () => undefined,
    });
    await upstream.start();
    assert.equal(clock.pendingTimers, 1);
    await upstream.close();
    assert.equal(clock.pendingTimers, 0, 'no retry after close');
  });
});
