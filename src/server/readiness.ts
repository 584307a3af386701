import { statfs } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import type { Store } from '../core/store/index.js';
import type { KeyManager } from '../identity/keys/key-manager.js';

/** Below this many free bytes on the data dir's file system, writes are about to fail: not ready. */
const MIN_FREE_BYTES = 1 << 20;
/** A probe result is reused this long (by the injected clock), so /readyz, which needs no auth, cannot drive writes. */
const PROBE_REUSE_MS = 1000;

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/**
 * Whether this Mandate can serve (`GET /readyz`): the store answers, the signing keys are loaded,
 * the data dir has room, and a real write commits. The write probe is shared by the callers of
 * the last second.
 */
export class Readiness {
  #probe: { at: number; result: Promise<string | null> } | undefined;

  constructor(
    private readonly store: Store,
    private readonly keys: KeyManager,
    private readonly clock: Clock,
    private readonly dataDir: string,
  ) {}

  /** Why this Mandate is not ready, or null when it is. */
  async problem(): Promise<string | null> {
    try {
      await this.store.ping();
      await this.keys.signingKey('jwt-svid');
      await this.keys.signingKey('token');
    } catch (cause) {
      return cause instanceof Error ? cause.message : 'store unavailable';
    }
    return this.probeWrite();
  }

  private probeWrite(): Promise<string | null> {
    const now = this.clock.now();
    if (this.#probe && now - this.#probe.at < PROBE_REUSE_MS) return this.#probe.result;
    const result = this.writeProblem();
    this.#probe = { at: now, result };
    return result;
  }

  /** Why the store cannot take writes now, or null: free space on the data dir, then a real write in a transaction. */
  private async writeProblem(): Promise<string | null> {
    try {
      const fs = await statfs(this.dataDir);
      const free = fs.bavail * fs.bsize;
      if (free < MIN_FREE_BYTES)
        return `the data directory's file system has ${free} bytes free (no space left for writes)`;
    } catch (cause) {
      return `the data directory cannot be read: ${messageOf(cause)}`;
    }
    try {
      await this.store.transaction((tx) => tx.meta.set('ready_probe', String(this.clock.now())));
    } catch (cause) {
      return `the store cannot write: ${messageOf(cause)}`;
    }
    return null;
  }
}
