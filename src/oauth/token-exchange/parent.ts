import { MandateError } from '../../core/errors.js';
import { revocableOf } from '../../protocol/revocation.js';
import type { TaskTokenClaims, VerifiedTaskToken } from '../task-token.js';
import type { ExchangeDeps } from './context.js';

/** Verifies a parent task token presented as subject_token; RFC 8693 §2.2.2: failures are `invalid_request`. */
export async function verifyParent(deps: ExchangeDeps, token: string): Promise<TaskTokenClaims> {
  let parent: VerifiedTaskToken;
  try {
    parent = await deps.ownTokens.verify(token);
  } catch (err) {
    if (err instanceof MandateError)
      throw new MandateError('invalid_request', `subject_token: ${err.message}`, err.details);
    throw err;
  }
  const revoked = deps.revocations.check(revocableOf(parent));
  if (revoked)
    throw new MandateError('invalid_request', `subject_token is no longer valid: ${revoked}`, {
      reason: 'revoked',
    });
  return parent.claims;
}
