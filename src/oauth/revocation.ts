import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import type { Store } from '../core/store/index.js';
import type { OwnTokenVerifier } from './task-token.js';

export interface TokenRevocationDeps {
  store: Store;
  clock: Clock;
  tokens: OwnTokenVerifier;
}

/** Who is revoking: the admin, or an authenticated agent. */
export type Revoker = { kind: 'admin' } | { kind: 'agent'; spiffeId: string };

/**
 * RFC 7009: revoke a task token and its whole subtree. Unknown, invalid or expired tokens are
 * a no-op (the endpoint answers 200 either way). An agent may revoke a token it holds or was
 * issued, or any descendant of one; anyone else's request changes nothing and is audited as
 * denied, without telling the caller whether the token exists.
 */
export async function revokeToken(
  deps: TokenRevocationDeps,
  token: string,
  who: Revoker,
  ctx: RequestContext,
): Promise<string[]> {
  let claims;
  try {
    claims = await deps.tokens.verify(token);
  } catch {
    return [];
  }
  const jti = claims.jti;
  const now = deps.clock.now();
  const by = who.kind === 'admin' ? 'admin' : who.spiffeId;
  return deps.store.transaction(async (tx) => {
    const record = await tx.tokens.get(jti);
    if (!record) return [];
    let allowed = who.kind === 'admin';
    if (!allowed && who.kind === 'agent') {
      const chain = [record, ...(await Promise.all(record.ancestors.map((a) => tx.tokens.get(a))))];
      allowed = chain.some((t) => t && (t.holder === who.spiffeId || t.clientId === who.spiffeId));
    }
    if (!allowed) {
      await tx.audit.append({
        actor: by,
        action: 'token.revoke',
        target: `token:${jti}`,
        outcome: 'denied',
        requestId: ctx.requestId,
        details: { reason: 'not the holder of this token or of an ancestor' },
      });
      return [];
    }
    const revoked = await tx.tokens.revokeSubtree(jti, now, by);
    await tx.audit.append({
      actor: by,
      action: 'token.revoke',
      target: `token:${jti}`,
      outcome: 'success',
      requestId: ctx.requestId,
      details: { task: record.taskId, revoked },
    });
    // One event for the token: its descendants carry its jti in `ancestors`. None of them outlives the task.
    if (revoked.length > 0) {
      const task = await tx.tasks.get(record.taskId);
      await tx.revocations.append({
        kind: 'token',
        subject: jti,
        at: now,
        expiresAt: Math.max(task?.expiresAt ?? 0, record.expiresAt),
        cause: 'token.revoke',
      });
    }
    return revoked;
  });
}
