import type { CallerContext } from '../../broker/credential.js';
import type { Principal } from '../../protocol/principal.js';

/** The caller a credential provider is told about: who the verified task token says is calling. */
export function callerOf(p: Principal, requestId: string | null): CallerContext {
  return {
    agent: p.actor,
    subject: p.subject,
    actors: p.actors,
    taskId: p.taskId,
    grantId: p.grantId,
    scopes: p.scopes,
    tokenExp: p.expiresAt,
    requestId,
  };
}
