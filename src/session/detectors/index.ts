import type { DetectorsConfig, SignalsConfig } from '../signal-config.js';
import type { SessionState } from '../session-state.js';
import { classificationJump } from './classification-jump.js';
import { denialStreak } from './denial-streak.js';
import type { Finding } from './finding.js';
import { newExternalDestination } from './new-external-destination.js';
import { rateSpike } from './rate-spike.js';
import { undeclaredTool, type DeclaredTask } from './undeclared-tool.js';

export type { Finding } from './finding.js';
export type { DeclaredTask } from './undeclared-tool.js';

/**
 * Runs every enabled built-in detector over a task's session state right after one decision was
 * recorded in it. Pure: the same state gives the same findings. `task` is needed only by
 * `undeclared_tool`, which is skipped without it.
 */
export function runDetectors(
  state: SessionState,
  config: Pick<SignalsConfig, 'detectors' | 'purposes'>,
  task?: DeclaredTask,
): Finding[] {
  const d: DetectorsConfig = config.detectors;
  return [
    ...(d.denial_streak.enabled ? denialStreak(state, d.denial_streak) : []),
    ...(d.rate_spike.enabled ? rateSpike(state, d.rate_spike) : []),
    ...(d.new_external_destination.enabled ? newExternalDestination(state) : []),
    ...(d.classification_jump.enabled ? classificationJump(state, d.classification_jump) : []),
    ...(d.undeclared_tool.enabled && task ? undeclaredTool(state, task, config.purposes) : []),
  ];
}

/** True when a detector needs the task's declaration (so the caller loads it). */
export const needsTask = (config: Pick<SignalsConfig, 'detectors'>): boolean =>
  config.detectors.undeclared_tool.enabled;
