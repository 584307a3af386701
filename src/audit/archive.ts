import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isMandateError, MandateError } from '../core/errors.js';
import type { AuditArchiveMark, AuditCheckpointRecord, Store } from '../core/store/index.js';
import { auditEvents, toJsonLine } from './export.js';

/** The folder of `<first>-<last>.jsonl` + `<first>-<last>.jws` under the data dir. */
export const ARCHIVE_DIR = 'audit-archive';
/** Meta key of the archived mark (JSON `AuditArchiveMark`). */
export const ARCHIVE_META = 'audit_archived';
/** A segment gathers sealed checkpoints until it holds about this many events. */
const SEGMENT_EVENTS = 100_000;

/**
 * Where the archive ends, or undefined when nothing was archived yet. A damaged mark (not the JSON
 * `{seq, hash, file}` Mandate writes) is an `audit_chain_broken` error naming the command to run
 * (`dataDir` in it, when known), never a bare parse error and never read as "nothing archived":
 * retention would then prune audit rows by a wrong sequence number, or verify the wrong range.
 */
export async function archiveMark(
  read: Store['read'],
  dataDir?: string,
): Promise<AuditArchiveMark | undefined> {
  const raw = await read.meta.get(ARCHIVE_META);
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw damagedMark('it is not json', dataDir);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw damagedMark('it is not a json object', dataDir);
  const m = value as Record<string, unknown>;
  if (typeof m.seq !== 'number' || !Number.isSafeInteger(m.seq) || m.seq < 1)
    throw damagedMark('`seq` is not a positive integer', dataDir);
  if (typeof m.hash !== 'string' || m.hash === '')
    throw damagedMark('`hash` is not a string', dataDir);
  if (typeof m.file !== 'string' || m.file === '')
    throw damagedMark('`file` is not a string', dataDir);
  return { seq: m.seq, hash: m.hash, file: m.file };
}

function damagedMark(why: string, dataDir: string | undefined): MandateError {
  return new MandateError(
    'audit_chain_broken',
    `the audit archive mark in the database is damaged: ${why}; run \`mandate audit verify --data-dir ${dataDir ?? '<data dir>'} --archives\``,
    { damagedArchiveMark: true },
  );
}

/** Whether `err` is the error of a damaged archive mark ({@link archiveMark}). */
export function isDamagedArchiveMark(err: unknown): err is MandateError {
  return isMandateError(err) && err.details?.damagedArchiveMark === true;
}

export interface ArchiveResult {
  /** Archive files written in this run (base names). */
  files: string[];
  /** Events now in files whose rows may go. */
  archivedThrough: number | null;
}

/**
 * Moves audit events older than `before` out of the database into files, one segment at a time:
 * `<first>-<last>.jsonl` (the export format) and `<first>-<last>.jws` (the signed checkpoint that
 * seals event `last`). A segment ends at a checkpoint, so every archived event is covered by a
 * signature, and the event at `last` stays in the database as the first event of the live chain.
 */
export class AuditArchiver {
  constructor(
    private readonly store: Store,
    private readonly dataDir: string,
  ) {}

  /** Archives every sealed segment whose events are all older than `before`; at most `maxSegments` per call. */
  async archive(before: number, maxSegments = 10): Promise<ArchiveResult> {
    const files: string[] = [];
    let mark = await archiveMark(this.store.read, this.dataDir);
    for (let i = 0; i < maxSegments; i++) {
      const cp = await this.nextSeal(mark?.seq ?? 0, before);
      if (!cp) break;
      const first = (mark?.seq ?? 0) + 1;
      const name = `${first}-${cp.seq}`;
      await this.writeSegment(name, first, cp);
      // INVARIANT: the mark moves only after both files are durable, so no row is deleted that no file holds.
      mark = { seq: cp.seq, hash: cp.hash, file: name };
      const next = mark;
      await this.store.transaction((tx) => tx.meta.set(ARCHIVE_META, JSON.stringify(next)));
      files.push(name);
    }
    return { files, archivedThrough: mark?.seq ?? null };
  }

  /** The checkpoint that ends the next segment: the newest one within SEGMENT_EVENTS whose sealed event is older than `before`. */
  private async nextSeal(
    after: number,
    before: number,
  ): Promise<AuditCheckpointRecord | undefined> {
    let best: AuditCheckpointRecord | undefined;
    for (const cp of await this.store.read.audit.checkpoints()) {
      if (cp.seq <= after) continue;
      const [sealed] = await this.store.read.audit.list({ afterSeq: cp.seq - 1, limit: 1 });
      if (!sealed || sealed.seq !== cp.seq || sealed.time >= before) break;
      if (best && cp.seq - after > SEGMENT_EVENTS) break;
      best = cp;
    }
    return best;
  }

  private async writeSegment(
    name: string,
    first: number,
    cp: AuditCheckpointRecord,
  ): Promise<void> {
    const dir = join(this.dataDir, ARCHIVE_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lines = async function* (store: Store) {
      for await (const e of auditEvents(store.read, { afterSeq: first - 1 })) {
        if (e.seq > cp.seq) return;
        yield toJsonLine(e);
      }
    };
    await writeAtomically(join(dir, `${name}.jsonl`), lines(this.store));
    await writeAtomically(
      join(dir, `${name}.jws`),
      (async function* () {
        yield `${cp.signature}\n`;
      })(),
    );
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Writes a temp file, fsyncs it, then renames it over `path`: a reader sees the old file or the whole new one. */
async function writeAtomically(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let buffer = '';
    for await (const chunk of chunks) {
      buffer += chunk;
      if (buffer.length >= 1 << 20) {
        writeSync(fd, buffer);
        buffer = '';
      }
    }
    if (buffer) writeSync(fd, buffer);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
