import { MandateError } from '../../core/errors.js';
import { actorsOf } from '../../delegation/chain.js';
import type { TaskTokenClaims } from '../task-token.js';
import type { ExchangeDeps } from './context.js';

/** Verifies a parent task token presented as subject_token; RFC 8693 §2.2.2: failures are `invalid_request`. */
export async function verifyParent(deps: ExchangeDeps, token: string): Promise<TaskTokenClaims> {
  let parent: TaskTokenClaims;
  try {
    parent = await deps.ownTokens.verify(token);
  } catch (err) {
    if (err instanceof MandateError) throw new MandateError('invalid_request', `subject_token: ${err.message}`, err.details);
    throw err;
  }
  const agents = [...(parent.grant_id ? [] : [parent.sub]), ...actorsOf(parent.act)];
  const revoked = deps.revocations.check({ jti: parent.jti, task_id: parent.task_id, ancestors: parent.ancestors, agents, grant_id: parent.grant_id, iat: parent.iat });
  if (revoked) throw new MandateError('invalid_request', `subject_token is no longer valid: ${revoked}`, { reason: 'revoked' });
  return parent;
}
