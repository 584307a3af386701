import type { Signal } from './signals.js';

/** Why a signal was not kept: the book holds `maxSubjects` subjects in force, or its source opened `maxSubjectsPerSource`. */
export type Refusal = 'book_full' | 'source_full';

export const refusalMessage = (reason: Refusal, source: string): string =>
  reason === 'source_full'
    ? `source \`${source}\` has signals about as many tasks and agents as \`signals.maxSubjectsPerSource\` allows; nothing was kept`
    : 'the signal book holds `signals.maxSubjects` tasks and agents under live risk or restrictions; nothing was kept';

export const targetOf = (s: Signal): string =>
  s.task !== null ? `task:${s.task}` : (s.agent ?? '');

/** A signal as the audit log and the API show it. */
export function signalDetails(s: Signal): Record<string, unknown> {
  return {
    signal_id: s.id,
    kind: s.kind,
    source: s.source,
    risk: s.risk,
    confidence: s.confidence,
    reason: s.reason,
    task: s.task,
    agent: s.agent,
    at: new Date(s.at).toISOString(),
    expires_at: new Date(s.expiresAt).toISOString(),
    responses: [...s.responses],
  };
}
