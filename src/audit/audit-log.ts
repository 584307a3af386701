import type { AuditCheckpointRecord, AuditEventRecord, StoreReader } from '../core/store/index.js';
import { archiveMark, isDamagedArchiveMark } from './archive.js';
import { auditEvents } from './export.js';
import { verifyAuditLog, type AuditVerification, type VerificationKey } from './verify.js';

/**
 * The audit log of a running Mandate as the admin API reads it: verification of the live chain
 * (from the last archived event on, when older ones were archived) and the export. Appending is
 * each domain's, in the transaction of its change.
 */
export class AuditLog {
  constructor(
    private readonly read: StoreReader,
    /** Every key that ever signed a checkpoint. */
    private readonly keys: { allPublicKeys(): Promise<VerificationKey[]> },
    private readonly trustDomain: string,
    private readonly dataDir: string,
  ) {}

  /** Verifies the hash chain and the signed checkpoints; a damaged archive mark is a failed verification, not an error. */
  async verify(): Promise<AuditVerification> {
    const keys = (await this.keys.allPublicKeys()).map((k) => ({
      kid: k.kid,
      alg: k.alg,
      jwk: k.jwk,
    }));
    let mark: Awaited<ReturnType<typeof archiveMark>>;
    try {
      mark = await archiveMark(this.read, this.dataDir);
    } catch (err) {
      if (isDamagedArchiveMark(err))
        return {
          ok: false,
          eventsChecked: 0,
          checkpointsChecked: 0,
          firstBadSeq: null,
          reason: err.message,
          unsealedEvents: 0,
        };
      throw err;
    }
    return verifyAuditLog(
      auditEvents(this.read, mark ? { afterSeq: mark.seq - 1 } : {}),
      await this.read.audit.checkpoints(),
      keys,
      this.trustDomain,
      mark,
    );
  }

  /** Events in seq order, paged. */
  events(opts: { sinceTime?: number; afterSeq?: number } = {}): AsyncGenerator<AuditEventRecord> {
    return auditEvents(this.read, opts);
  }

  /** The last signed checkpoint, or undefined before the first. */
  async lastCheckpoint(): Promise<AuditCheckpointRecord | undefined> {
    return (await this.read.audit.checkpoints()).at(-1);
  }
}
