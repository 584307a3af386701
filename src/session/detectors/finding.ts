import type { DetectorKind } from '../signal-config.js';

/** What a detector found in one recorded decision; the signal service turns it into a signal. */
export interface Finding {
  kind: DetectorKind;
  /**
   * The detector stays quiet for the task while a signal with this key lives, so a condition that
   * persists is one signal, not one per call (`rate_spike`), and each distinct cause its own
   * (`new_external_destination:<host>`).
   */
  key: string;
  /** One line, for the audit log and `GET /v1/signals`. */
  reason: string;
  details: Record<string, unknown>;
}
