import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import type { HostLookup } from '../../src/policy/destinations/resolve.js';
import { loadConfig } from '../../src/server/config/load.js';
import type { Config } from '../../src/server/config/defaults.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { MandateAdminClient } from '../../src/sdk/admin-client.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestServer extends RunningServer {
  config: Config;
  dataDir: string;
  admin: MandateAdminClient;
  adminToken: string;
  /** Stops the server; with `{ keepData: true }` the data dir survives for a restart. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export function tempDataDir(prefix = 'mandate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A real Mandate server on a loopback port over a fresh (or given) data dir. Settings are
 * given as flags would be, so they go through the same validation as `mandate serve`.
 */
export async function startTestServer(
  opts: {
    flags?: Record<string, unknown>;
    dataDir?: string;
    clock?: Clock;
    fetch?: typeof fetch;
    lookupHost?: HostLookup;
    logger?: boolean | Record<string, unknown>;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDataDir();
  // Port 0 unless a test names one: the server binds first and its issuer names the port it got
  // (src/server/serve.ts), so no two suites race for a port.
  const port = opts.flags?.port ?? 0;
  const config = loadConfig({
    flags: {
      port,
      issuer: `http://127.0.0.1:${String(port)}`,
      dataDir,
      logLevel: 'silent',
      ...opts.flags,
    },
    env: { MANDATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN },
  });
  const server = await startServer(config, {
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.lookupHost ? { lookupHost: opts.lookupHost } : {}),
    logger: opts.logger ?? false,
  });
  return {
    ...server,
    config: server.mandate.config,
    dataDir,
    adminToken: TEST_ADMIN_TOKEN,
    admin: new MandateAdminClient({ url: server.url, token: TEST_ADMIN_TOKEN }),
    async stop(stopOpts = {}) {
      await server.close();
      // Closing destroyed the idle keep-alive sockets; let one I/O poll pass so that fetch's pool
      // sees them end before a restart on the same port (otherwise the next request may go out on
      // a socket the old server closed: "other side closed"). An event-loop turn, not a wait.
      await new Promise((resolve) => setImmediate(resolve));
      if (!stopOpts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
