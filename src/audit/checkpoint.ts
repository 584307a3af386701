import { CompactSign } from 'jose';
import type { Clock } from '../core/clock.js';
import type { Store } from '../core/store/index.js';
import type { KeyManager } from '../identity/keys/key-manager.js';

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
      const payload: CheckpointPayload = { seq: head.seq, hash: head.hash, time: this.clock.now(), trust_domain: this.trustDomain };
      const signature = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: CHECKPOINT_TYP })
        .sign(key.privateKey);
      await tx.audit.addCheckpoint({ seq: head.seq, hash: head.hash, time: payload.time, signature });
      return head.seq;
    });
  }
}
