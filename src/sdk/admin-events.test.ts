import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { EventsAdmin } from './admin-events.js';

// A stream that opens and then says nothing: a server or network gone without closing it.
test('a watch that hears nothing, not even a heartbeat, for idleMs fails saying so', async () => {
  const open: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(
      'retry: 2000\n\nevent: snapshot\nid: 3\ndata: {"seq":3,"time":1,"tokens":[],"tasks":[],"agents":[],"grants":[],"approvals":[],"keys":[]}\n\n',
    );
    open.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const events = new EventsAdmin({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: 't',
    });
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of events.watch({ idleMs: 300 })) seen.push(m.type);
      })(),
      /nothing heard on the revocation stream for 300 ms \(not even a heartbeat\)/,
    );
    assert.deepEqual(seen, ['snapshot']);
  } finally {
    for (const res of open) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
