import { CLASSIFICATIONS } from '../../policy/classification.js';
import type { SessionState } from '../session-state.js';
import type { Finding } from './finding.js';

const RESTRICTED_RANK = 3;

/**
 * Classification jump: the allowed call just recorded raised the task's taint (the highest
 * classification it has seen) by at least `ranks` ranks in one step, or to `restricted`. Ranks:
 * public 0, internal 1, confidential 2, restricted 3. A task that goes from public data straight
 * to confidential data is not doing what it did before.
 *
 * @example classificationJump(state, { ranks: 2 }) // fires for public → confidential, not for internal → confidential
 */
export function classificationJump(state: SessionState, config: { ranks: number }): Finding[] {
  const last = state.last;
  if (last?.outcome !== 'allow') return [];
  const from = last.previousClassificationRank;
  const to = state.highestClassificationRank;
  if (to <= from || (to - from < config.ranks && to < RESTRICTED_RANK)) return [];
  const name = (rank: number) => CLASSIFICATIONS[rank] ?? String(rank);
  return [
    {
      kind: 'classification_jump',
      key: `classification_jump:${to}`,
      reason: `taint rose from ${name(from)} to ${name(to)} in one call (\`${last.toolId}\`)`,
      details: { from: name(from), to: name(to), ranks: to - from, tool: last.toolId },
    },
  ];
}
