import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestHttpsServer {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** The server's self-signed certificate (PEM): the CA a client must trust. */
  ca: string;
  server: Server;
  close(): Promise<void>;
}

let cached: { cert: string; key: string } | undefined;

/**
 * A self-signed certificate for 127.0.0.1, ::1, localhost and `*.test` names (made once per
 * process with openssl), so HTTPS servers on loopback can stand in for a public host.
 */
export function testCertificate(): { cert: string; key: string } {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'mandate-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:*.test,DNS:client.example',
      ],
      { stdio: 'ignore' },
    );
    cached = {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTPS server on 127.0.0.1, port 0, with `testCertificate()`. */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestHttpsServer> {
  const { cert, key } = testCertificate();
  const server = createServer({ cert, key }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    ca: cert,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
