import { decodeProtectedHeader } from 'jose';
import { actorsOf } from '../delegation/chain.js';
import type { RevocableToken, RevocationRegistry } from '../revocation/registry.js';
import type { OwnTokenVerifier, TaskTokenClaims } from './task-token.js';

/** Agents on a token's chain whose suspension kills it: the subject when it is an agent, and every actor. */
export function chainAgents(c: TaskTokenClaims): string[] {
  return [...(c.grant_id ? [] : [c.sub]), ...actorsOf(c.act)];
}

/**
 * What the revocation registry checks of a task token `OwnTokenVerifier` verified: its jti,
 * ancestors, task, agents on the chain, grant, issue time, and the key that signed it (a revoked
 * key kills its tokens even while a verifier still holds it in its key cache).
 */
export function revocableOf(c: TaskTokenClaims, token: string): RevocableToken {
  // INVARIANT: the token verified, so its header decodes.
  const kid = decodeProtectedHeader(token).kid;
  return {
    jti: c.jti,
    task_id: c.task_id,
    ancestors: c.ancestors,
    agents: chainAgents(c),
    grant_id: c.grant_id,
    iat: c.iat,
    kid,
  };
}

/**
 * RFC 7662: `{active: false}` and nothing else for anything unknown, expired, revoked (the
 * token, an ancestor, its task, an agent on its chain, its grant); else the token's claims.
 */
export async function introspect(
  tokens: OwnTokenVerifier,
  revocations: RevocationRegistry,
  token: string,
): Promise<Record<string, unknown>> {
  let c: TaskTokenClaims;
  try {
    c = await tokens.verify(token);
  } catch {
    return { active: false };
  }
  if (revocations.check(revocableOf(c, token))) return { active: false };
  return {
    active: true,
    token_type: c.cnf ? 'DPoP' : 'Bearer',
    iss: c.iss,
    sub: c.sub,
    aud: c.aud,
    client_id: c.client_id,
    scope: c.scope,
    exp: c.exp,
    iat: c.iat,
    nbf: c.nbf,
    jti: c.jti,
    task_id: c.task_id,
    depth: c.depth,
    ancestors: c.ancestors,
    ...(c.act ? { act: c.act } : {}),
    ...(c.cnf ? { cnf: c.cnf } : {}),
    ...(c.authorization_details ? { authorization_details: c.authorization_details } : {}),
    ...(c.grant_id ? { grant_id: c.grant_id } : {}),
  };
}
