import type { Authenticated } from './call.js';
import type { Revoked } from './outcome.js';
import type { CoreDeps } from './ports.js';
import { end, next, type End, type Next } from './steps.js';

/**
 * `revocation`: from memory in O(chain depth): the token, its task, an agent on its chain,
 * its grant, an ancestor token or its signing key revoked since it was issued stops the call.
 * This is the one revocation check of a call: the fronts' token verifiers leave it here.
 */
export async function revocation<C extends Authenticated>(
  call: C,
  deps: Pick<CoreDeps, 'revoked'>,
): Promise<Next<C> | End<Revoked>> {
  const reason = deps.revoked(call.principal);
  return reason === null ? next(call) : end({ kind: 'revoked', scheme: call.scheme, reason });
}
