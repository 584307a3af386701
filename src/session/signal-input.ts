import { z } from 'zod';
import { isSpiffeId } from '../core/spiffe-id.js';
import { BUILT_IN_SOURCE, SIGNAL_KIND, SIGNAL_SOURCE } from './signal-config.js';

/**
 * The body of `POST /v1/signals`: a risk or confidence signal from an outside detector about one
 * task or one agent. Unknown fields are refused, so a misspelt `ttl_second` is a 400, not a
 * signal that silently lives for the default time.
 */
export const signalInputSchema = z
  .strictObject({
    task: z.string().min(1).max(64).optional(),
    agent: z
      .string()
      .max(2048)
      .refine(isSpiffeId, 'must be a spiffe id, e.g. `spiffe://example.org/agent/billing-bot`')
      .optional(),
    kind: z
      .string()
      .regex(
        SIGNAL_KIND,
        'must be 1-64 characters of a-z, 0-9 and `. _ : -`, starting with a letter or digit',
      ),
    risk: z
      .number()
      .int('must be an integer from 0 to 100')
      .min(0, 'must be an integer from 0 to 100')
      .max(100, 'must be an integer from 0 to 100')
      .optional(),
    confidence: z
      .number()
      .min(0, 'must be a number from 0 to 1')
      .max(1, 'must be a number from 0 to 1')
      .optional(),
    source: z
      .string()
      .regex(SIGNAL_SOURCE, 'must be 1-128 characters of letters, digits and `. _ : @ / -`')
      .refine(
        (s) => s !== BUILT_IN_SOURCE,
        `\`${BUILT_IN_SOURCE}\` is reserved for the built-in detectors`,
      ),
    reason: z.string().max(1_000).optional(),
    ttl_seconds: z.number().int().min(1).optional(),
  })
  .refine((b) => (b.task === undefined) !== (b.agent === undefined), {
    message: 'or `agent`: send exactly one of them',
    path: ['task'],
  })
  .refine((b) => b.risk !== undefined || b.confidence !== undefined, {
    message: 'or `confidence`: send one of them (risk 0..100, confidence 0..1)',
    path: ['risk'],
  });

export type SignalInput = z.infer<typeof signalInputSchema>;

/**
 * The risk a signal counts with: its `risk`, else `100 × (1 − confidence)` rounded (a source
 * fully confident the agent is acting as intended counts as 0).
 *
 * @example riskOf({ confidence: 0.3 }) // 70
 */
export function riskOf(input: {
  risk?: number | undefined;
  confidence?: number | undefined;
}): number {
  return input.risk ?? Math.round(100 * (1 - (input.confidence ?? 0)));
}
