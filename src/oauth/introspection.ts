import { revocableOf } from '../protocol/revocation.js';
import type { RevocationRegistry } from '../revocation/registry.js';
import type { OwnTokenVerifier, VerifiedTaskToken } from './task-token.js';

/**
 * RFC 7662: `{active: false}` and nothing else for anything unknown, expired, revoked (the
 * token, an ancestor, its task, an agent on its chain, its grant); else the token's claims.
 */
export async function introspect(
  tokens: OwnTokenVerifier,
  revocations: RevocationRegistry,
  token: string,
): Promise<Record<string, unknown>> {
  let verified: VerifiedTaskToken;
  try {
    verified = await tokens.verify(token);
  } catch {
    return { active: false };
  }
  if (revocations.check(revocableOf(verified))) return { active: false };
  const c = verified.claims;
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
