import { MandateError } from '../core/errors.js';

/**
 * Data classifications, lowest first. Cedar compares strings only for equality, so every
 * classification reaches policies together with its rank (`classification_rank`,
 * `highest_classification_rank`) and policies compare ranks: `>= 2` is "confidential or above".
 */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/**
 * The rank of a classification: public 0, internal 1, confidential 2, restricted 3. Throws
 * `MandateError('invalid_request')` for anything else, so an unknown label fails closed.
 *
 * @example classificationRank('confidential') // 2
 */
export function classificationRank(c: unknown): number {
  const rank = CLASSIFICATIONS.indexOf(c as Classification);
  if (rank === -1) {
    const shown = typeof c === 'string' ? `\`${c.slice(0, 40)}\`` : typeof c;
    throw new MandateError(
      'invalid_request',
      `unknown classification ${shown}; expected one of ${CLASSIFICATIONS.join(', ')}`,
    );
  }
  return rank;
}
