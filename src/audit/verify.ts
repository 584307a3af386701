import { compactVerify, importJWK, type JWK } from 'jose';
import type { AuditCheckpointRecord, AuditEventRecord } from '../core/store/index.js';
import { GENESIS_HASH, hashAuditEvent } from './chain.js';
import { CHECKPOINT_TYP, type CheckpointPayload } from './checkpoint.js';

export interface AuditVerification {
  ok: boolean;
  eventsChecked: number;
  checkpointsChecked: number;
  /** The lowest sequence number at which the log is provably wrong. */
  firstBadSeq: number | null;
  reason: string | null;
  /** Events after the last signed checkpoint: chained, but not yet covered by a signature. */
  unsealedEvents: number;
}

export interface VerificationKey {
  kid: string;
  alg: string;
  jwk: JWK;
}

interface Finding {
  seq: number;
  reason: string;
}

/**
 * Verifies the audit log: every event's hash matches its content, every event links to the
 * one before, sequence numbers run 1, 2, 3… without gaps, and every checkpoint is signed by a
 * trust-domain key and matches the event it seals. An edit, deletion, insertion or reordering
 * shows up as the first sequence number where one of these fails.
 */
export async function verifyAuditLog(
  events: Iterable<AuditEventRecord> | AsyncIterable<AuditEventRecord>,
  checkpoints: AuditCheckpointRecord[],
  keys: VerificationKey[],
  trustDomain: string,
  /** Where the live chain starts when older events were archived: the archived (and sealed) last event. */
  from?: { seq: number; hash: string },
): Promise<AuditVerification> {
  const findings: Finding[] = [];
  const hashes = new Map<number, string>();
  let expectedSeq = from?.seq ?? 1;
  // The first live event after archiving links into the archive: it must be the archived event itself.
  let prevHash: string | null = from ? null : GENESIS_HASH;
  let count = 0;
  let lastSeq = from ? from.seq - 1 : 0;
  for await (const e of events) {
    count++;
    if (findings.length === 0) {
      if (e.seq > expectedSeq)
        findings.push({
          seq: expectedSeq,
          reason: `event ${expectedSeq} is missing (the next event is ${e.seq})`,
        });
      else if (e.seq < expectedSeq)
        findings.push({
          seq: e.seq,
          reason: `event ${e.seq} is out of order (expected ${expectedSeq})`,
        });
      else if (prevHash === null && from && e.hash !== from.hash)
        findings.push({
          seq: e.seq,
          reason: `event ${e.seq} is not the event the audit archive ends with`,
        });
      else if (prevHash !== null && e.prevHash !== prevHash)
        findings.push({
          seq: e.seq,
          reason: `event ${e.seq} does not link to the event before it`,
        });
      else if (hashAuditEvent(e) !== e.hash)
        findings.push({
          seq: e.seq,
          reason: `event ${e.seq} was modified: its content does not match its hash`,
        });
    }
    hashes.set(e.seq, e.hash);
    prevHash = e.hash;
    expectedSeq = e.seq + 1;
    lastSeq = Math.max(lastSeq, e.seq);
  }

  const keyByKid = new Map(keys.map((k) => [k.kid, k]));
  let lastSealed = 0;
  if (from && !checkpoints.some((cp) => cp.seq === from.seq))
    findings.push({
      seq: from.seq,
      reason: `no signed checkpoint seals event ${from.seq}, where the audit archive ends`,
    });
  // Checkpoints before the archive's end went with their events (into the archive).
  for (const cp of from ? checkpoints.filter((c) => c.seq >= from.seq) : checkpoints) {
    const problem = await checkCheckpoint(cp, keyByKid, trustDomain, hashes, lastSeq);
    if (problem) findings.push({ seq: cp.seq > lastSeq ? lastSeq + 1 : cp.seq, reason: problem });
    else lastSealed = Math.max(lastSealed, cp.seq);
  }

  findings.sort((a, b) => a.seq - b.seq);
  const first = findings[0];
  return {
    ok: !first,
    eventsChecked: count,
    checkpointsChecked: checkpoints.length,
    firstBadSeq: first?.seq ?? null,
    reason: first?.reason ?? null,
    unsealedEvents: Math.max(0, lastSeq - lastSealed),
  };
}

/** Why a checkpoint does not hold (signature, signed content, the event it seals), or null. */
export async function checkCheckpoint(
  cp: AuditCheckpointRecord,
  keys: Map<string, VerificationKey>,
  trustDomain: string,
  hashes: Map<number, string>,
  lastSeq: number,
): Promise<string | null> {
  let payload: CheckpointPayload;
  try {
    const header = JSON.parse(
      Buffer.from(cp.signature.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as { kid?: string };
    const key = header.kid ? keys.get(header.kid) : undefined;
    if (!key) return `checkpoint at event ${cp.seq} is signed by an unknown key`;
    const { payload: raw, protectedHeader } = await compactVerify(
      cp.signature,
      await importJWK(key.jwk, key.alg),
      { algorithms: [key.alg] },
    );
    if (protectedHeader.typ !== CHECKPOINT_TYP)
      return `checkpoint at event ${cp.seq} has the wrong type`;
    payload = JSON.parse(Buffer.from(raw).toString('utf8')) as CheckpointPayload;
  } catch {
    return `checkpoint at event ${cp.seq} has an invalid signature`;
  }
  if (payload.seq !== cp.seq || payload.hash !== cp.hash || payload.trust_domain !== trustDomain) {
    return `checkpoint at event ${cp.seq} does not match its signed content`;
  }
  if (cp.seq > lastSeq)
    return `events after ${lastSeq} were deleted: a checkpoint seals event ${cp.seq}`;
  const hash = hashes.get(cp.seq);
  if (hash !== cp.hash)
    return `the log was rewritten at or before event ${cp.seq}: it no longer matches its signed checkpoint`;
  return null;
}
