import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { auditEvents } from '../../audit/export.js';
import { verifyAuditLog } from '../../audit/verify.js';
import { systemClock } from '../../core/clock.js';
import type { AuditVerifyResult } from '../../sdk/admin-client.js';
import { DATABASE_FILE } from '../../server/mandate.js';
import { SqliteStore } from '../../storage/sqlite/sqlite-store.js';
import { adminClient, clientOptions, CliError, output, type ClientOptions } from '../common.js';

/** Verifies a data directory's audit log directly, without a running server. */
async function verifyOffline(dataDir: string): Promise<AuditVerifyResult> {
  const path = join(dataDir, DATABASE_FILE);
  if (!existsSync(path)) throw new CliError(`no Mandate database at ${path}; check --data-dir`, 2);
  const store = SqliteStore.open({ path, clock: systemClock });
  try {
    const trustDomain = await store.read.meta.get('trust_domain');
    if (!trustDomain) throw new CliError(`${path} has no trust domain yet; was the server ever started with this data dir?`, 2);
    const keys = (await store.read.keys.list()).map((k) => ({ kid: k.kid, alg: k.alg, jwk: k.publicJwk }));
    const r = await verifyAuditLog(auditEvents(store.read), await store.read.audit.checkpoints(), keys, trustDomain);
    return { ok: r.ok, events_checked: r.eventsChecked, checkpoints_checked: r.checkpointsChecked, first_bad_seq: r.firstBadSeq, reason: r.reason, unsealed_events: r.unsealedEvents };
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  clientOptions(audit.command('verify').description('verify the hash chain and signed checkpoints; names the first bad sequence number').option('--data-dir <dir>', 'verify this data directory directly instead of asking the server')).action(
    async (opts: ClientOptions & { dataDir?: string }) => {
      const r = opts.dataDir ? await verifyOffline(opts.dataDir) : await adminClient(opts).verifyAudit();
      output(opts, r, (v) =>
        v.ok
          ? `audit log ok: ${v.events_checked} events, ${v.checkpoints_checked} signed checkpoints${v.unsealed_events ? ` (${v.unsealed_events} events after the last checkpoint)` : ''}`
          : `audit log BROKEN at event ${v.first_bad_seq}: ${v.reason}`,
      );
      if (!r.ok) process.exitCode = 3;
    },
  );
  clientOptions(audit.command('export').description('write audit events as JSON Lines').option('--since <when>', 'ISO 8601 time or a duration back from now (e.g. 24h, 7d)').option('--out <file>', 'write to a file instead of stdout')).action(
    async (opts: ClientOptions & { since?: string; out?: string }) => {
      const stream = await adminClient(opts).exportAudit(opts.since ? { since: opts.since } : {});
      const sink = opts.out ? createWriteStream(opts.out) : new Writable({ write: (chunk, _enc, cb) => (process.stdout.write(chunk) ? cb() : process.stdout.once('drain', cb)) });
      await pipeline(Readable.fromWeb(stream as WebReadableStream<Uint8Array>), sink);
      if (opts.out) process.stderr.write(`wrote ${opts.out}\n`);
    },
  );
}
