import type { Clock } from '../../core/clock.js';
import type { RequestContext } from '../../core/context.js';
import { MandateError } from '../../core/errors.js';
import { randomToken, sha256Hex } from '../../core/random.js';
import type { Store } from '../../core/store/index.js';

/** Join tokens carry this prefix so that scanners and humans recognise a leaked one. */
export const JOIN_TOKEN_PREFIX = 'mjt_';

export interface IssuedJoinToken {
  token: string;
  agentName: string;
  expiresAt: number;
}

/**
 * Creates a one-time join token for an agent. Only its SHA-256 is stored; the token is
 * shown once, to the caller.
 */
export async function createJoinToken(
  store: Store,
  clock: Clock,
  agentName: string,
  ttlSeconds: number,
  ctx: RequestContext,
): Promise<IssuedJoinToken> {
  const token = `${JOIN_TOKEN_PREFIX}${randomToken(32)}`;
  const now = clock.now();
  const expiresAt = now + ttlSeconds * 1000;
  await store.transaction(async (tx) => {
    const agent = await tx.agents.get(agentName);
    if (!agent) throw new MandateError('not_found', `agent \`${agentName}\` does not exist`);
    if (agent.status !== 'active')
      throw new MandateError('agent_inactive', `agent \`${agentName}\` is ${agent.status}`);
    await tx.joinTokens.insert({
      hash: sha256Hex(token),
      agentName,
      createdAt: now,
      expiresAt,
      usedAt: null,
    });
    await tx.audit.append({
      actor: ctx.actor,
      action: 'join_token.create',
      target: agent.spiffeId,
      outcome: 'success',
      requestId: ctx.requestId,
      details: { expiresAt, tokenHashPrefix: sha256Hex(token).slice(0, 12) },
    });
  });
  return { token, agentName, expiresAt };
}

export const hashJoinToken = (token: string): string => sha256Hex(token);
