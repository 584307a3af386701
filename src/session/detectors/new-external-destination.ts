import type { SessionState } from '../session-state.js';
import type { Finding } from './finding.js';

/**
 * New external destination: the allowed call just recorded reached an external host (outside the
 * operator's domains) that no earlier call of the task reached. One finding per such host.
 *
 * @example newExternalDestination(state) // [{ key: 'new_external_destination:collector.evil.example', … }]
 */
export function newExternalDestination(state: SessionState): Finding[] {
  const last = state.last;
  if (!last) return [];
  return last.newExternalDestinations.map((host) => ({
    kind: 'new_external_destination' as const,
    key: `new_external_destination:${host}`,
    reason: `first contact with the external host \`${host}\` in this task (by \`${last.toolId}\`)`,
    details: { host, tool: last.toolId },
  }));
}
