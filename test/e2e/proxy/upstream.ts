import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

/**
 * A plain HTTP API on a loopback port that records every request it receives (method, raw
 * target, headers, body) and never echoes a request header back, so that whatever the agent
 * sees came from the proxy's own handling. Paths under its base `/api`:
 * - `/api/slow`: never answers (the proxy's timeout);
 * - `/api/stream`: a chunked body of `STREAM_CHUNKS` chunks;
 * - `/api/gzip`: a gzip-encoded JSON body;
 * - `/api/status/<code>`: answers that status;
 * - anything else: 200 JSON `{ ok, method, url, bytes }`, with a `Set-Cookie` the proxy must drop.
 */

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Upstream {
  /** `http://127.0.0.1:<port>/api`. */
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export const STREAM_CHUNKS = 64;
export const STREAM_CHUNK = 'x'.repeat(1024);
export const GZIP_BODY = { compressed: true, text: 'y'.repeat(2000) };

export async function startUpstream(): Promise<Upstream> {
  const requests: Recorded[] = [];
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0]!;
      if (path === '/api/slow') return void held.push(res);
      if (path === '/api/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let i = 0;
        const next = (): void => {
          if (i++ === STREAM_CHUNKS) return void res.end();
          res.write(STREAM_CHUNK, () => setImmediate(next));
        };
        return next();
      }
      if (path === '/api/gzip') {
        const gz = gzipSync(JSON.stringify(GZIP_BODY));
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': gz.length,
        });
        return void res.end(gz);
      }
      const status = /^\/api\/status\/(\d{3})$/.exec(path)?.[1];
      const json = JSON.stringify({
        ok: true,
        method: req.method,
        url: req.url,
        bytes: body.length,
      });
      res.writeHead(status ? Number(status) : 200, {
        'content-type': 'application/json',
        'set-cookie': 'upstream-session=abc; HttpOnly',
        'x-upstream': 'fixture',
        'www-authenticate': 'Basic realm="legacy"',
      });
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
