import { createServer, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { every } from '../core/clock.js';
import { MandateError } from '../core/errors.js';
import type { Config } from './config/defaults.js';
import { buildHttpServer, type HttpServerOptions } from './http-server.js';
import { createMandate, type Mandate, type MandateDeps } from './mandate.js';

export interface RunningServer {
  mandate: Mandate;
  app: FastifyInstance;
  /** The URL the server listens on (with the actual port). */
  url: string;
  close(): Promise<void>;
}

/** Composes Mandate, starts HTTP, and runs the periodic jobs (audit checkpoints, cleanup). */
export async function startServer(
  config: Config,
  deps: MandateDeps & HttpServerOptions = {},
): Promise<RunningServer> {
  // Port 0 with an issuer naming port 0 (the default issuer of `--port 0`): the issuer must name
  // the port the system picks, and everything composed below captures the issuer, so bind first.
  const reserved =
    config.port === 0 && new URL(config.issuer).port === '0'
      ? await reservePort(config.host)
      : undefined;
  if (reserved) {
    const issuer = new URL(config.issuer);
    issuer.port = String(reserved.port);
    config = { ...config, issuer: issuer.href.replace(/\/+$/, '') };
  }
  let mandate: Mandate;
  try {
    mandate = await createMandate(config, deps);
  } catch (err) {
    reserved?.server.close();
    throw err;
  }
  const app = buildHttpServer(mandate, deps);
  try {
    // The reserved socket is handed over (net.Server#listen takes a handle), so no other process can take the port in between.
    await app.listen(
      reserved
        ? ({ host: config.host, port: 0, handle: reserved.handle } as {
            host: string;
            port: number;
          })
        : { host: config.host, port: config.port },
    );
  } catch (cause) {
    reserved?.server.close();
    await mandate.close();
    throw listenError(cause, config.port);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${config.tlsCert ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  // On the injected clock, so that tests run these jobs by advancing it.
  const stopHousekeeping = every(mandate.clock, config.auditCheckpointInterval * 1000, () => {
    void housekeeping(mandate, app.log).catch((err: unknown) =>
      app.log.error({ err }, 'housekeeping failed'),
    );
  });
  // Retention runs on its own period, off the request path; each transaction is one bounded batch.
  const stopRetention = every(mandate.clock, config.retentionInterval * 1000, () => {
    void mandate.retention
      .run()
      .catch((err: unknown) => app.log.error({ err }, 'retention failed'));
  });

  let closing: Promise<void> | undefined;
  return {
    mandate,
    app,
    url,
    close() {
      closing ??= (async () => {
        stopHousekeeping();
        stopRetention();
        await app.close();
        await mandate.close();
      })();
      return closing;
    },
  };
}

function listenError(cause: unknown, port: number): unknown {
  const code = (cause as { code?: string }).code;
  if (code === 'EADDRINUSE')
    return new MandateError(
      'invalid_config',
      `port ${port} is in use; pick another with --port or MANDATE_PORT`,
      { key: 'port' },
      { cause },
    );
  if (code === 'EACCES')
    return new MandateError(
      'invalid_config',
      `not allowed to listen on port ${port}; use a port above 1023`,
      { key: 'port' },
      { cause },
    );
  return cause;
}

/** Listens on a port the system picks and returns the listening socket's handle, to be handed to the HTTP server. */
function reservePort(host: string): Promise<{ port: number; handle: object; server: Server }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (cause) => reject(listenError(cause, 0)));
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      // `_handle` is the listening socket that net.Server#listen({ handle }) accepts (documented: "anything with an underlying _handle member").
      const handle = (server as unknown as { _handle: object | null })._handle;
      if (typeof address !== 'object' || !address || !handle)
        return reject(new Error('the reserved port has no address'));
      resolve({ port: address.port, handle, server });
    });
  });
}

/**
 * Periodic work: seal the audit log, refresh the bundle, expire due tasks, refresh federated
 * bundles and compact the in-memory revocation registry. Deleting expired records (join tokens,
 * credentials, tokens, tasks, the replay cache, …) is retention's job (`Mandate.retention`).
 */
async function housekeeping(mandate: Mandate, log: FastifyInstance['log']): Promise<void> {
  const sealed = await mandate.checkpointer.checkpoint();
  if (sealed !== null) {
    // Anchor the checkpoint outside the database too: shipped logs keep it if the file is rewritten.
    const cp = await mandate.auditLog.lastCheckpoint();
    if (cp)
      log.info(
        { auditCheckpoint: { seq: cp.seq, hash: cp.hash, signature: cp.signature } },
        'audit checkpoint',
      );
  }
  await mandate.bundle.current();
  await mandate.tasks.expireDue();
  await mandate.federation.refreshDue();
  mandate.revocations.compact();
}
