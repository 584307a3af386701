import type { Step } from './context.js';
import { revokedResult } from './results.js';

/**
 * Step 2: revocation, checked again for this call from memory (O(chain depth)). The token was
 * verified when its HTTP request arrived; a revocation since then still stops the call.
 */
export const revocation: Step = async (call, deps) => {
  const reason = deps.revoked(call.principal);
  return reason === null ? undefined : { done: revokedResult(call.exposedName, reason) };
};
