import { canonicalJson } from '../core/canonical-json.js';
import { createHash } from 'node:crypto';
import type { AuditEventRecord } from '../core/store/index.js';

/** The `prevHash` of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Every field of an event but its own hash. */
export type UnhashedAuditEvent = Omit<AuditEventRecord, 'hash'>;

/**
 * The hash of an event: SHA-256 (hex) over the RFC 8785 canonical JSON of every other field,
 * `seq` and `prevHash` included, so that editing, moving, inserting or deleting an event
 * breaks the chain at that point.
 */
export function hashAuditEvent(event: UnhashedAuditEvent): string {
  const body = {
    seq: event.seq,
    time: event.time,
    actor: event.actor,
    action: event.action,
    target: event.target,
    outcome: event.outcome,
    requestId: event.requestId,
    details: event.details,
    prevHash: event.prevHash,
  };
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** Builds the next event of the chain after `head` (undefined for the first event). */
export function chainNext(
  head: Pick<AuditEventRecord, 'seq' | 'hash'> | undefined,
  input: Omit<UnhashedAuditEvent, 'seq' | 'prevHash'>,
): AuditEventRecord {
  const unhashed: UnhashedAuditEvent = {
    ...input,
    seq: head ? head.seq + 1 : 1,
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  return { ...unhashed, hash: hashAuditEvent(unhashed) };
}
