import type { Authenticated, Incoming } from './call.js';
import type { AuthenticationUnavailable, Unauthenticated } from './outcome.js';
import type { Authentication, CoreDeps } from './ports.js';
import { end, next, type End, type Next } from './steps.js';

/**
 * `authenticate`: the call's task token, checked for the resource it was sent to by the front's
 * request authenticator (its transport knows where the token and the DPoP proof are). A refusal
 * carries the RFC 6750 / RFC 9449 challenge with RFC 9728 `resource_metadata`. An authenticator
 * that cannot answer refuses the call: it fails closed.
 */

export interface AuthenticateDeps<C> {
  authenticate(call: C): Promise<Authentication>;
  readonly log: CoreDeps['log'];
}

export async function authenticate<C extends Incoming>(
  call: C,
  deps: AuthenticateDeps<C>,
): Promise<Next<C & Authenticated> | End<Unauthenticated | AuthenticationUnavailable>> {
  let a: Authentication;
  try {
    a = await deps.authenticate(call);
  } catch (err) {
    deps.log.error(
      { err: err instanceof Error ? err.message : String(err) },
      'could not verify a task token; failing closed',
    );
    return end({ kind: 'unavailable', service: 'authentication' });
  }
  if ('refusal' in a) return end({ kind: 'unauthenticated', refusal: a.refusal });
  return next({ ...call, principal: a.principal, scheme: a.scheme });
}
