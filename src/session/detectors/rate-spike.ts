import { callsInLastWindow, WINDOW_MS, type SessionState } from '../session-state.js';
import type { Finding } from './finding.js';

/**
 * Rate spike: the task's decisions in the last `WINDOW_MS` (60 s), counting the one just
 * recorded, reached `threshold`. Every decision counts, whatever its outcome.
 *
 * @example rateSpike(state, { threshold: 120 }) // [] below 120 calls a minute
 */
export function rateSpike(state: SessionState, config: { threshold: number }): Finding[] {
  if (state.lastAt === null) return [];
  const calls = callsInLastWindow(state, state.lastAt);
  if (calls < config.threshold) return [];
  return [
    {
      kind: 'rate_spike',
      key: 'rate_spike',
      reason: `${calls} calls in ${WINDOW_MS / 1000} s (threshold ${config.threshold})`,
      details: { calls, window_seconds: WINDOW_MS / 1000, threshold: config.threshold },
    },
  ];
}
