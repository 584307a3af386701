import type { SessionState } from '../session-state.js';
import type { Finding } from './finding.js';

/**
 * Denial streak: the task's consecutive denials (since its last allowed call) reached
 * `threshold`. An agent that keeps asking for what it may not do is probing or has lost its way.
 *
 * @example denialStreak(state, { threshold: 5 }) // [] until the fifth denial in a row
 */
export function denialStreak(state: SessionState, config: { threshold: number }): Finding[] {
  if (state.last?.outcome !== 'deny' || state.denialStreak < config.threshold) return [];
  return [
    {
      kind: 'denial_streak',
      key: 'denial_streak',
      reason: `${state.denialStreak} consecutive denials (threshold ${config.threshold})`,
      details: { streak: state.denialStreak, threshold: config.threshold },
    },
  ];
}
