import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditArchiveMark, AuditEventRecord } from '../core/store/index.js';
import { ARCHIVE_DIR } from './archive.js';
import { GENESIS_HASH, hashAuditEvent } from './chain.js';
import { checkCheckpoint, type VerificationKey } from './verify.js';

export interface ArchiveVerification {
  ok: boolean;
  archivesChecked: number;
  /** Events read from the archive files. */
  archivedEvents: number;
  firstBadSeq: number | null;
  reason: string | null;
}

/** An archived line (the export format) back as the record its hash was computed over. */
function recordOf(line: string): AuditEventRecord {
  const j = JSON.parse(line) as {
    seq: number;
    time: string;
    actor: string;
    action: string;
    target: string;
    outcome: AuditEventRecord['outcome'];
    request_id: string | null;
    details: Record<string, unknown>;
    prev_hash: string;
    hash: string;
  };
  return {
    seq: j.seq,
    time: Date.parse(j.time),
    actor: j.actor,
    action: j.action,
    target: j.target,
    outcome: j.outcome,
    requestId: j.request_id,
    details: j.details,
    prevHash: j.prev_hash,
    hash: j.hash,
  };
}

/**
 * Verifies the audit archive of a data dir: the segments run 1… without gaps, each event's hash
 * matches its content and links to the one before (across files too), each segment's `.jws` is a
 * trust-domain signature over its last event, and the last segment ends where the live chain
 * starts (`mark`). Reports the first bad sequence number, as the live verification does.
 */
export async function verifyAuditArchives(
  dataDir: string,
  keys: VerificationKey[],
  trustDomain: string,
  mark: AuditArchiveMark | undefined,
): Promise<ArchiveVerification> {
  const dir = join(dataDir, ARCHIVE_DIR);
  const names = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^\d+-\d+\.jsonl$/.test(f))
        .map((f) => f.slice(0, -'.jsonl'.length))
    : [];
  const segments = names
    .map((n) => ({ name: n, first: Number(n.split('-')[0]), last: Number(n.split('-')[1]) }))
    .sort((a, b) => a.first - b.first);
  const keyByKid = new Map(keys.map((k) => [k.kid, k]));
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let events = 0;
  const fail = (seq: number, reason: string): ArchiveVerification => ({
    ok: false,
    archivesChecked: segments.length,
    archivedEvents: events,
    firstBadSeq: seq,
    reason,
  });
  for (const seg of segments) {
    if (seg.first !== expected)
      return fail(expected, `archive ${seg.name}.jsonl does not start at event ${expected}`);
    const lines = createInterface({
      input: createReadStream(join(dir, `${seg.name}.jsonl`), 'utf8'),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let e: AuditEventRecord;
      try {
        e = recordOf(line);
      } catch {
        return fail(
          expected,
          `archive ${seg.name}.jsonl has an unreadable line at event ${expected}`,
        );
      }
      events++;
      if (e.seq !== expected)
        return fail(
          Math.min(e.seq, expected),
          `event ${expected} is missing from archive ${seg.name}.jsonl`,
        );
      if (e.prevHash !== prevHash)
        return fail(e.seq, `event ${e.seq} does not link to the event before it`);
      if (hashAuditEvent(e) !== e.hash)
        return fail(e.seq, `event ${e.seq} was modified: its content does not match its hash`);
      prevHash = e.hash;
      expected++;
    }
    if (expected !== seg.last + 1)
      return fail(expected, `archive ${seg.name}.jsonl ends before event ${seg.last}`);
    const jws = join(dir, `${seg.name}.jws`);
    const signature = existsSync(jws) ? readFileSync(jws, 'utf8').trim() : '';
    if (!signature)
      return fail(seg.last, `archive ${seg.name} has no signed checkpoint (${seg.name}.jws)`);
    const problem = await checkCheckpoint(
      { seq: seg.last, hash: prevHash, time: 0, signature },
      keyByKid,
      trustDomain,
      new Map([[seg.last, prevHash]]),
      seg.last,
    );
    if (problem) return fail(seg.last, problem);
  }
  if (mark && (expected - 1 !== mark.seq || prevHash !== mark.hash))
    return fail(
      Math.min(expected, mark.seq),
      `the archive ends at event ${expected - 1} but the live log starts at event ${mark.seq}`,
    );
  return {
    ok: true,
    archivesChecked: segments.length,
    archivedEvents: events,
    firstBadSeq: null,
    reason: null,
  };
}
