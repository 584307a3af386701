import type {
  AgentRecord,
  RevocationEventInput,
  RevocationEventRecord,
} from '../core/store/index.js';

/**
 * The revocation events each code path appends, in the transaction of the change it reports
 * (docs/revocation.md). Their `expiresAt` is when what they revoke has expired anyway, so the
 * entry can be compacted away.
 */

/**
 * No token lives longer: `taskTokenMaxTtl` and every agent limit are at most 86400 s, and a
 * delegated token never outlives its parent. An agent's cutoff is moot after it.
 */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;

/** How long past its expiry a revocation is kept (the verifiers' clock tolerance). */
export { EXPIRY_GRACE_MS } from '../protocol/revocation.js';

/**
 * An agent's status change: suspended or retired agents stay revoked (never moot); an agent made
 * active again keeps a cutoff (tokens issued before it stay dead) until they have all expired.
 */
export function agentStatusEvent(
  agent: Pick<AgentRecord, 'spiffeId' | 'status' | 'updatedAt'>,
  cause: string,
): RevocationEventInput {
  return {
    kind: 'agent',
    subject: agent.spiffeId,
    at: agent.updatedAt,
    expiresAt: agent.status === 'active' ? agent.updatedAt + MAX_TOKEN_LIFETIME_MS : null,
    cause,
    status: agent.status,
  };
}

/** The JSON of one event on the wire (`event: revocation`); times are epoch milliseconds. */
export interface RevocationEventJson {
  seq: number;
  kind: RevocationEventRecord['kind'];
  id: string;
  at: number;
  exp: number | null;
  cause: string;
  status?: AgentRecord['status'];
}

export function eventJson(e: RevocationEventRecord): RevocationEventJson {
  return {
    seq: e.seq,
    kind: e.kind,
    id: e.subject,
    at: e.at,
    exp: e.expiresAt,
    cause: e.cause,
    ...(e.status !== undefined ? { status: e.status } : {}),
  };
}
