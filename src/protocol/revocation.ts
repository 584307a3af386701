import type { Principal } from './principal.js';

/**
 * The revocation check over a token's chain, written once: the server's registry
 * (src/revocation/registry.ts, fed by the revocation bus) and the SDK's `RevocationSet` (fed by
 * `GET /v1/events`) both hold a `RevocationState`, so a token is dead at a remote enforcement
 * point exactly when it is dead in Mandate.
 */

/** What a revocation check needs of a token. */
export interface RevocableToken {
  jti: string;
  task_id: string;
  ancestors: readonly string[];
  /** Agents on the chain: the subject (if an agent) and every actor. */
  agents: readonly string[];
  grant_id?: string | undefined;
  /** `iat`, epoch seconds: tokens issued before an agent's last status change are dead. */
  iat: number;
  /** `kid` of the JWS header: tokens signed by a revoked key are dead. */
  kid?: string | undefined;
}

/**
 * A verified principal's revocation facts: its token, ancestors, task, the agents on its chain
 * (the subject unless it is the human of an on-behalf-of token, and every actor), its grant, its
 * issue time and the key that signed it (a revoked key kills its tokens even while a verifier
 * still holds it).
 *
 * @example registry.check(revocableOf(principal)) // 'task ended' or null
 */
export function revocableOf(p: Principal): RevocableToken {
  return {
    jti: p.jti,
    task_id: p.taskId,
    ancestors: p.ancestors,
    agents: p.grantId === null ? [p.subject, ...p.actors] : p.actors,
    grant_id: p.grantId ?? undefined,
    iat: p.issuedAt,
    kid: p.keyId ?? undefined,
  };
}

/** An agent's status, as revocation events carry it. */
export type AgentStatus = 'active' | 'suspended' | 'retired';

/** What a revocation revokes. */
export type RevocationKind = 'token' | 'task' | 'agent' | 'grant' | 'approval' | 'key';

/** One revocation. Times are epoch milliseconds; `exp` is when what it revokes has expired anyway (null: never). */
export interface Revocation {
  kind: RevocationKind;
  /** jti, task id, agent SPIFFE ID, grant id, approval id or key id. */
  id: string;
  at: number;
  exp: number | null;
  /** `agent` revocations: the agent's status from `at` on (tokens issued before `at` stay dead). */
  status?: AgentStatus | undefined;
}

/** `[id, exp]`; exp null: never moot. */
export type RevocationEntry = [id: string, exp: number | null];
/** `[spiffeId, status, at, exp]`. */
export type AgentRevocationEntry = [
  id: string,
  status: AgentStatus,
  at: number,
  exp: number | null,
];

/** Every unexpired revocation, grouped by kind: the compact form `GET /v1/events` sends in its snapshot. */
export interface RevocationLists {
  tokens: RevocationEntry[];
  tasks: RevocationEntry[];
  agents: AgentRevocationEntry[];
  grants: RevocationEntry[];
  approvals: RevocationEntry[];
  keys: RevocationEntry[];
}

/**
 * Verifiers accept a token up to their clock tolerance (at most 300 s) past its `exp`, so an
 * entry is compacted only that long after its expiry.
 */
export const EXPIRY_GRACE_MS = 300_000;

type Simple = Exclude<RevocationKind, 'agent'>;
const PLURAL: Record<Simple, Exclude<keyof RevocationLists, 'agents'>> = {
  token: 'tokens',
  task: 'tasks',
  grant: 'grants',
  approval: 'approvals',
  key: 'keys',
};

interface AgentEntry {
  status: AgentStatus;
  /** The status change (ms): tokens issued before it are dead, even once the agent is active again. */
  at: number;
  exp: number | null;
}

/**
 * Revocation state held in memory, so every check is a handful of Map lookups, O(chain depth),
 * with no I/O: revoked tokens (a token revokes its descendants, which carry it in `ancestors`),
 * ended tasks, agents by their last status change, revoked grants, approvals and signing keys.
 * Revocations must be applied in the feed's order: an agent's latest one wins.
 *
 * @example
 * const state = new RevocationState();
 * state.revoke({ kind: 'task', id: 't1', at: Date.now(), exp: null });
 * state.check(revocableOf(principal)); // 'task ended'
 */
export class RevocationState {
  readonly #simple: Record<Simple, Map<string, number | null>> = {
    token: new Map(),
    task: new Map(),
    grant: new Map(),
    approval: new Map(),
    key: new Map(),
  };
  readonly #agents = new Map<string, AgentEntry>();

  /** Applies one revocation. */
  revoke(r: Revocation): void {
    if (r.kind === 'agent') {
      this.#agents.set(r.id, { status: r.status ?? 'suspended', at: r.at, exp: r.exp });
      return;
    }
    const map = this.#simple[r.kind];
    const had = map.get(r.id);
    // The same id revoked twice stays revoked until the later expiry.
    map.set(r.id, had === null || r.exp === null ? null : Math.max(had ?? r.exp, r.exp));
  }

  /** Replaces the whole state. */
  load(lists: RevocationLists): void {
    this.clear();
    for (const kind of Object.keys(PLURAL) as Simple[])
      for (const [id, exp] of lists[PLURAL[kind]]) this.#simple[kind].set(id, exp);
    for (const [id, status, at, exp] of lists.agents) this.#agents.set(id, { status, at, exp });
  }

  clear(): void {
    for (const map of Object.values(this.#simple)) map.clear();
    this.#agents.clear();
  }

  /** Why `t` is revoked, or null. O(depth + chain agents). */
  check(t: RevocableToken): string | null {
    const tokens = this.#simple.token;
    if (tokens.has(t.jti)) return 'token revoked';
    for (const a of t.ancestors) if (tokens.has(a)) return 'an ancestor token was revoked';
    if (this.#simple.task.has(t.task_id)) return 'task ended';
    for (const a of t.agents) {
      const entry = this.#agents.get(a);
      if (entry === undefined) continue;
      if (entry.status !== 'active') return `agent \`${a}\` is not active`;
      if (t.iat * 1000 < entry.at)
        return `agent \`${a}\` was suspended after this token was issued`;
    }
    if (t.grant_id && this.#simple.grant.has(t.grant_id)) return 'delegation grant revoked';
    if (t.kid && this.#simple.key.has(t.kid)) return `signing key \`${t.kid}\` was revoked`;
    return null;
  }

  /** Why an approval may no longer be used, or null. */
  checkApproval(id: string): string | null {
    return this.#simple.approval.has(id) ? 'approval revoked' : null;
  }

  /** Drops entries whose subject expired (with the verifiers' clock tolerance) before `now`; returns how many. */
  compact(now: number): number {
    const cutoff = now - EXPIRY_GRACE_MS;
    let dropped = 0;
    for (const map of Object.values(this.#simple))
      for (const [k, exp] of map) if (exp !== null && exp <= cutoff && map.delete(k)) dropped++;
    for (const [k, a] of this.#agents)
      if (a.exp !== null && a.exp <= cutoff && this.#agents.delete(k)) dropped++;
    return dropped;
  }

  /** Every entry not yet moot at `now` (compaction would keep it). */
  lists(now: number): RevocationLists {
    const cutoff = now - EXPIRY_GRACE_MS;
    const live = (map: Map<string, number | null>): RevocationEntry[] => {
      const out: RevocationEntry[] = [];
      for (const [id, exp] of map) if (exp === null || exp > cutoff) out.push([id, exp]);
      return out;
    };
    const agents: AgentRevocationEntry[] = [];
    for (const [id, a] of this.#agents)
      if (a.exp === null || a.exp > cutoff) agents.push([id, a.status, a.at, a.exp]);
    return {
      tokens: live(this.#simple.token),
      tasks: live(this.#simple.task),
      agents,
      grants: live(this.#simple.grant),
      approvals: live(this.#simple.approval),
      keys: live(this.#simple.key),
    };
  }

  get size(): number {
    let n = this.#agents.size;
    for (const map of Object.values(this.#simple)) n += map.size;
    return n;
  }
}
