import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { AuditVerifyResult } from '../../sdk/admin-client.js';
import {
  adminClient,
  clientOptions,
  CliError,
  output,
  type ClientOptions,
  type CliIo,
} from '../common.js';

type OfflineResult = AuditVerifyResult & { archives_checked?: number; archived_events?: number };

/** Verifies a data directory's audit log directly, without a running server; with `archives`, its audit archive first. */
async function verifyOffline(dataDir: string, archives: boolean): Promise<OfflineResult> {
  // Loaded here, not at the top: the storage and audit modules are the server's, which `mandate --help` must not load.
  const [
    { archiveMark, isDamagedArchiveMark },
    { verifyAuditArchives },
    { auditEvents },
    { verifyAuditLog },
    { systemClock },
    { DATABASE_FILE },
    { SqliteStore },
  ] = await Promise.all([
    import('../../audit/archive.js'),
    import('../../audit/archive-verify.js'),
    import('../../audit/export.js'),
    import('../../audit/verify.js'),
    import('../../core/clock.js'),
    import('../../server/mandate.js'),
    import('../../storage/sqlite/sqlite-store.js'),
  ]);
  const path = join(dataDir, DATABASE_FILE);
  if (!existsSync(path)) throw new CliError(`no Mandate database at ${path}; check --data-dir`, 2);
  const store = SqliteStore.open({ path, clock: systemClock });
  try {
    const trustDomain = await store.read.meta.get('trust_domain');
    if (!trustDomain)
      throw new CliError(
        `${path} has no trust domain yet; was the server ever started with this data dir?`,
        2,
      );
    const keys = (await store.read.keys.list()).map((k) => ({
      kid: k.kid,
      alg: k.alg,
      jwk: k.publicJwk,
    }));
    let mark: Awaited<ReturnType<typeof archiveMark>>;
    try {
      mark = await archiveMark(store.read, dataDir);
    } catch (err) {
      if (isDamagedArchiveMark(err))
        return {
          ok: false,
          events_checked: 0,
          checkpoints_checked: 0,
          first_bad_seq: null,
          reason: err.message,
          unsealed_events: 0,
        };
      throw err;
    }
    const r = await verifyAuditLog(
      auditEvents(store.read, mark ? { afterSeq: mark.seq - 1 } : {}),
      await store.read.audit.checkpoints(),
      keys,
      trustDomain,
      mark,
    );
    const live: OfflineResult = {
      ok: r.ok,
      events_checked: r.eventsChecked,
      checkpoints_checked: r.checkpointsChecked,
      first_bad_seq: r.firstBadSeq,
      reason: r.reason,
      unsealed_events: r.unsealedEvents,
    };
    if (!archives) return live;
    const a = await verifyAuditArchives(dataDir, keys, trustDomain, mark);
    const extra = { archives_checked: a.archivesChecked, archived_events: a.archivedEvents };
    // An archive problem comes first: its sequence numbers are lower than any live one.
    return a.ok
      ? { ...live, ...extra }
      : { ...live, ...extra, ok: false, first_bad_seq: a.firstBadSeq, reason: a.reason };
  } finally {
    await store.close();
  }
}

export function register(program: Command, io: CliIo): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  clientOptions(
    io,
    audit
      .command('verify')
      .description(
        'verify the hash chain and signed checkpoints; names the first bad sequence number',
      )
      .option(
        '--data-dir <dir>',
        'verify this data directory directly instead of asking the server',
      )
      .option(
        '--archives',
        'with --data-dir: also verify the archived events in <dir>/audit-archive',
      ),
  ).action(async (opts: ClientOptions & { dataDir?: string; archives?: boolean }) => {
    if (opts.archives && !opts.dataDir)
      throw new CliError('--archives reads the archive files: give --data-dir <dir> too', 2);
    const r: OfflineResult = opts.dataDir
      ? await verifyOffline(opts.dataDir, opts.archives === true)
      : await adminClient(io, opts).verifyAudit();
    output(io, opts, r, (v) =>
      v.ok
        ? `audit log ok: ${v.events_checked} events, ${v.checkpoints_checked} signed checkpoints${v.unsealed_events ? ` (${v.unsealed_events} events after the last checkpoint)` : ''}${v.archives_checked !== undefined ? `; archive ok: ${v.archived_events} events in ${v.archives_checked} files` : ''}`
        : `audit log BROKEN at event ${v.first_bad_seq}: ${v.reason}`,
    );
    if (!r.ok) io.exitCode = 3;
  });
  clientOptions(
    io,
    audit
      .command('export')
      .description('write audit events as JSON Lines')
      .option('--since <when>', 'ISO 8601 time or a duration back from now (e.g. 24h, 7d)')
      .option('--out <file>', 'write to a file instead of stdout'),
  ).action(async (opts: ClientOptions & { since?: string; out?: string }) => {
    const stream = await adminClient(io, opts).exportAudit(opts.since ? { since: opts.since } : {});
    const sink = opts.out
      ? createWriteStream(opts.out)
      : new Writable({
          write: (chunk, _enc, cb) => (io.stdout.write(chunk) ? cb() : io.stdout.once('drain', cb)),
        });
    await pipeline(Readable.fromWeb(stream as WebReadableStream<Uint8Array>), sink);
    if (opts.out) io.stderr.write(`wrote ${opts.out}\n`);
  });
}
