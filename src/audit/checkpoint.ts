import { CompactSign } from 'jose';
import type { Clock } from '../core/clock.js';
import type { Store } from '../core/store/index.js';
import type { KeyManager } from '../identity/keys/key-manager.js';
import { MandateError } from '../core/errors.js';
import type { AuditCheckpointRecord, AuditEventRecord } from '../core/store/index.js';
import { GENESIS_HASH, hashAuditEvent } from './chain.js';

export const CHECKPOINT_TYP = 'mandate-audit-checkpoint+jws';

export interface CheckpointPayload {
  seq: number;
  hash: string;
  time: number;
  trust_domain: string;
}

/**
 * Seals the audit log's head with a signature by the trust domain's token key, so that a
 * rewrite of the whole chain (which anyone with write access to the file could recompute)
 * is still caught. Run periodically and at shutdown; a no-op when nothing new was logged.
 */
export class AuditCheckpointer {
  constructor(
    private readonly store: Store,
    private readonly keys: KeyManager,
    private readonly clock: Clock,
    private readonly trustDomain: string,
  ) {}

  /** Writes a checkpoint for the current head when it is not sealed yet. Returns its seq. */
  async checkpoint(): Promise<number | null> {
    const key = await this.keys.signingKey('token');
    return this.store.transaction(async (tx) => {
      const head = await tx.audit.head();
      if (!head) return null;
      const checkpoints = await tx.audit.checkpoints();
      const last = checkpoints[checkpoints.length - 1];
      if (last && last.seq >= head.seq) return null;
      // INVARIANT: never sign over a tampered segment. Everything after the last checkpoint must
      // chain from the event that checkpoint sealed, or a restart would launder an edit.
      const segment = await tx.audit.list({ afterSeq: last ? last.seq - 1 : 0 });
      const broken = brokenLink(segment, last);
      if (broken !== null) {
        throw new MandateError(
          'audit_chain_broken',
          `audit log is broken at event ${broken}; not signing a checkpoint over it (run mandate audit verify)`,
          { firstBadSeq: broken },
        );
      }
      const payload: CheckpointPayload = {
        seq: head.seq,
        hash: head.hash,
        time: this.clock.now(),
        trust_domain: this.trustDomain,
      };
      const signature = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYP })
        .sign(key.privateKey);
      await tx.audit.addCheckpoint({
        seq: head.seq,
        hash: head.hash,
        time: payload.time,
        signature,
      });
      return head.seq;
    });
  }
}

/** The first seq in `events` (starting at the last checkpoint's event) that does not chain, or null. */
function brokenLink(
  events: AuditEventRecord[],
  last: AuditCheckpointRecord | undefined,
): number | null {
  let expectedSeq = last ? last.seq : 1;
  let prevHash: string | null = last ? null : GENESIS_HASH;
  for (const e of events) {
    if (e.seq !== expectedSeq) return expectedSeq;
    if (hashAuditEvent(e) !== e.hash) return e.seq;
    if (last && e.seq === last.seq) {
      if (e.hash !== last.hash) return e.seq;
    } else if (e.prevHash !== prevHash) return e.seq;
    prevHash = e.hash;
    expectedSeq++;
  }
  return last && events.length === 0 ? last.seq : null;
}
