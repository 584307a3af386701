/**
 * A live risk signal as stored (src/session/signals.ts `Signal`), so that a restart keeps the
 * restrictions and risk it carries until it expires.
 */
export interface SignalRecord {
  id: string;
  kind: string;
  source: string;
  /** 0..100. */
  risk: number;
  confidence: number | null;
  reason: string | null;
  task: string | null;
  agent: string | null;
  at: number;
  expiresAt: number;
  responses: string[];
  /** A detector's dedup key, or null. */
  key: string | null;
}
