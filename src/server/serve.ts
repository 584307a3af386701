import type { FastifyInstance } from 'fastify';
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
export async function startServer(config: Config, deps: MandateDeps & HttpServerOptions = {}): Promise<RunningServer> {
  const mandate = await createMandate(config, deps);
  const app = buildHttpServer(mandate, deps);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (cause) {
    await mandate.close();
    const code = (cause as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new MandateError('invalid_config', `port ${config.port} is in use; pick another with --port or MANDATE_PORT`, { key: 'port' }, { cause });
    if (code === 'EACCES') throw new MandateError('invalid_config', `not allowed to listen on port ${config.port}; use a port above 1023`, { key: 'port' }, { cause });
    throw cause;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${config.tlsCert ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  const timer = setInterval(() => {
    void housekeeping(mandate, app.log).catch((err: unknown) => app.log.error({ err }, 'housekeeping failed'));
  }, config.auditCheckpointInterval * 1000);
  timer.unref();
  // Retention runs on its own period, off the request path; each transaction is one bounded batch.
  const retention = setInterval(() => {
    void mandate.retention.run().catch((err: unknown) => app.log.error({ err }, 'retention failed'));
  }, config.retentionInterval * 1000);
  retention.unref();

  let closing: Promise<void> | undefined;
  return {
    mandate,
    app,
    url,
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        clearInterval(retention);
        await app.close();
        await mandate.close();
      })();
      return closing;
    },
  };
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
    const cp = (await mandate.store.read.audit.checkpoints()).at(-1);
    if (cp) log.info({ auditCheckpoint: { seq: cp.seq, hash: cp.hash, signature: cp.signature } }, 'audit checkpoint');
  }
  await mandate.bundle.current();
  await mandate.tasks.expireDue();
  await mandate.federation.refreshDue();
  mandate.revocations.compact();
}
