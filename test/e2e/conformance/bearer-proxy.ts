// A loopback forwarding proxy that adds `Authorization: Bearer <token>` to every request.
//
// Why: the conformance CLI (0.1.16) connects with `new StreamableHTTPClientTransport(new URL(url))`
// and a bare `fetch`: it has no option for a header or an auth provider, and fetch refuses a URL
// with credentials in it. Mandate's gateway accepts only a task token for its audience, so the
// suite reaches it through this proxy. Everything else passes through unchanged, in both
// directions and streamed (SSE), including the Host and Origin headers the DNS-rebinding scenario
// forges: the gateway, not the proxy, must refuse those.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// RFC 9110 §7.6.1: connection-specific fields are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase())),
  );
}

export interface BearerProxy {
  /** The proxy's URL for `target`'s path, e.g. `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Origin of the proxy (what a client that only knows the proxy sends as `Origin`). */
  origin: string;
  /** Sets the upstream (it may start after the proxy) and the token added to every request. */
  forwardTo(target: string, token: string): void;
  close(): Promise<void>;
}

/** Starts the proxy on a loopback port; it answers 502 until `forwardTo` is called. */
export async function startBearerProxy(path = '/mcp'): Promise<BearerProxy> {
  let target: URL | undefined;
  let token = '';
  const server: Server = createServer((req, res) => {
    if (!target) {
      res.writeHead(502).end();
      return;
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...forwardable(req.headers), authorization: `Bearer ${token}` },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, forwardable(upRes.headers));
        // An SSE response may send nothing for a while: the client needs the headers now.
        res.flushHeaders();
        upRes.pipe(res);
        upRes.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${String(port)}`;
  return {
    url: `${origin}${path}`,
    origin,
    forwardTo(to, bearer) {
      target = new URL(to);
      token = bearer;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
