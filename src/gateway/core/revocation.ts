import type { Authenticated } from './call.js';
import type { AuthenticationUnavailable, Revoked } from './outcome.js';
import type { CoreDeps } from './ports.js';
import { end, next, type End, type Next } from './steps.js';

/**
 * `revocation`: from memory in O(chain depth): the token, its task, an agent on its chain, its
 * grant, an ancestor token or its signing key revoked since it was issued stops the call. This
 * is the one revocation check of a call: the fronts' token verifiers leave it here. A check that
 * cannot answer refuses the call, as a verifier that cannot answer does: it fails closed.
 */
export async function revocation<C extends Authenticated>(
  call: C,
  deps: Pick<CoreDeps, 'revoked' | 'log'>,
): Promise<Next<C> | End<Revoked | AuthenticationUnavailable>> {
  let reason: string | null;
  try {
    reason = deps.revoked(call.principal);
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err) },
      'could not check a task token for revocation; failing closed',
    );
    return end({ kind: 'unavailable', service: 'authentication' });
  }
  return reason === null ? next(call) : end({ kind: 'revoked', scheme: call.scheme, reason });
}
