import type { Step } from '../context.js';

/**
 * Step 2: revocation, from memory in O(chain depth): the task, the agent, the grant or any
 * ancestor token revoked since the token was issued stops the request. (The verifier checked it
 * too; this keeps the check in the order of the steps, right before anything is decided.)
 */
export const revocation: Step = async (call, deps) => {
  const reason = deps.revoked(call.principal!);
  if (reason === null) return undefined;
  const detail = `the task token is no longer valid: ${reason}`;
  const scheme = call.principal!.cnfJkt === null ? 'Bearer' : 'DPoP';
  return {
    refuse: {
      code: 'invalid_token',
      detail,
      outcome: 'unauthenticated',
      reason: 'revoked',
      headers: {
        'www-authenticate': call.service.auth.challenge({
          scheme,
          code: 'invalid_token',
          description: detail,
        }),
      },
    },
  };
};
