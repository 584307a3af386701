// The MCP host's website: an HTTPS server on loopback (certificate from the test CA) that publishes
// client ID metadata documents (draft-ietf-oauth-client-id-metadata-document) and records who
// fetched what, so a suite can tell when Mandate read a document and when it used its cache.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCa } from './test-ca.js';

export interface Published {
  /** The JSON document, or a raw body (to publish something that is not JSON). */
  body: Record<string, unknown> | string;
  status?: number;
  headers?: Record<string, string>;
}

export interface MetadataHost {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** `https://127.0.0.1:<port><path>`: a `client_id`. */
  url(path: string): string;
  /** Publishes (or replaces) what `path` answers. */
  publish(path: string, doc: Published): void;
  /** Every request received: path and user agent, in order. */
  readonly requests: { path: string; userAgent: string | undefined }[];
  /** How many times `path` was fetched. */
  fetches(path: string): number;
  close(): Promise<void>;
}

export async function startMetadataHost(ca: TestCa): Promise<MetadataHost> {
  const { certPem, keyPem } = await ca.issue({ ips: ['127.0.0.1'], dnsNames: ['localhost'] });
  const documents = new Map<string, Published>();
  const requests: MetadataHost['requests'] = [];
  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    requests.push({ path, userAgent: req.headers['user-agent'] });
    const doc = documents.get(path);
    if (!doc) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = typeof doc.body === 'string' ? doc.body : JSON.stringify(doc.body);
    res
      .writeHead(doc.status ?? 200, {
        'content-type': 'application/json',
        'cache-control': 'max-age=300',
        ...doc.headers,
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    publish: (path, doc) => void documents.set(path, doc),
    requests,
    fetches: (path) => requests.filter((r) => r.path === path).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
