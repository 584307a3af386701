import type { Clock } from '../core/clock.js';
import type { AgentStatus, RevocationEventInput } from '../core/store/index.js';
import { EXPIRY_GRACE_MS } from './events.js';

/** What a revocation check needs of a token. */
export interface RevocableToken {
  jti: string;
  task_id: string;
  ancestors: string[];
  /** Agents on the chain: the subject (if an agent) and every actor. */
  agents: string[];
  grant_id?: string | undefined;
  /** `iat`, epoch seconds: tokens issued before an agent's last status change are dead. */
  iat: number;
  /** `kid` of the JWS header: tokens signed by a revoked key are dead. */
  kid?: string | undefined;
}

/** Kinds whose entry is a plain id with an expiry. */
type Simple = 'token' | 'task' | 'grant' | 'approval' | 'key';

interface AgentEntry {
  status: AgentStatus;
  /** The status change (ms): tokens issued before it are dead, even once the agent is active again. */
  at: number;
  expiresAt: number | null;
}

/** `[id, expiresAt]`; expiresAt null: never moot. */
export type SnapshotEntry = [id: string, expiresAt: number | null];
/** `[spiffeId, status, at, expiresAt]`. */
export type SnapshotAgent = [
  spiffeId: string,
  status: AgentStatus,
  at: number,
  expiresAt: number | null,
];

/** Every unexpired revocation, grouped by kind, in the compact form `GET /v1/events` sends. */
export interface RegistryState {
  tokens: SnapshotEntry[];
  tasks: SnapshotEntry[];
  agents: SnapshotAgent[];
  grants: SnapshotEntry[];
  approvals: SnapshotEntry[];
  keys: SnapshotEntry[];
}

const PLURAL: Record<Simple, Exclude<keyof RegistryState, 'agents'>> = {
  token: 'tokens',
  task: 'tasks',
  grant: 'grants',
  approval: 'approvals',
  key: 'keys',
};

const later = (a: number | null | undefined, b: number | null): number | null =>
  a === null || b === null ? null : Math.max(a ?? b, b);

/**
 * Revocation state held in memory, so every check is a handful of Map lookups, O(chain depth),
 * with no I/O: revoked tokens (a token revokes its descendants, which carry it in `ancestors`),
 * ended tasks, agents by their last status change, revoked grants, approvals and signing keys.
 * It is fed only by the revocation feed (`RevocationBus` applies each committed event in seq
 * order); the SDK's `RevocationSet` holds the same state from `GET /v1/events`.
 */
export class RevocationRegistry {
  readonly #simple: Record<Simple, Map<string, number | null>> = {
    token: new Map(),
    task: new Map(),
    grant: new Map(),
    approval: new Map(),
    key: new Map(),
  };
  readonly #agents = new Map<string, AgentEntry>();

  constructor(private readonly clock: Clock) {}

  /** Applies one event. Events of one agent must come in seq order: the latest wins. */
  apply(e: RevocationEventInput): void {
    if (e.kind === 'agent') {
      this.#agents.set(e.subject, {
        status: e.status ?? 'suspended',
        at: e.at,
        expiresAt: e.expiresAt,
      });
      return;
    }
    const map = this.#simple[e.kind];
    // The same id revoked twice stays revoked until the later expiry.
    map.set(e.subject, later(map.get(e.subject), e.expiresAt));
  }

  /** Replaces the whole state (a snapshot). */
  load(state: RegistryState): void {
    this.clear();
    for (const kind of Object.keys(PLURAL) as Simple[])
      for (const [id, exp] of state[PLURAL[kind]]) this.#simple[kind].set(id, exp);
    for (const [id, status, at, exp] of state.agents)
      this.#agents.set(id, { status, at, expiresAt: exp });
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
  compact(now = this.clock.now()): number {
    const cutoff = now - EXPIRY_GRACE_MS;
    let dropped = 0;
    for (const map of Object.values(this.#simple)) {
      for (const [k, exp] of map) if (exp !== null && exp <= cutoff && map.delete(k)) dropped++;
    }
    for (const [k, a] of this.#agents)
      if (a.expiresAt !== null && a.expiresAt <= cutoff && this.#agents.delete(k)) dropped++;
    return dropped;
  }

  /** Every entry not yet moot at `now` (compaction would keep it). */
  state(now = this.clock.now()): RegistryState {
    const cutoff = now - EXPIRY_GRACE_MS;
    const live = (map: Map<string, number | null>): SnapshotEntry[] => {
      const out: SnapshotEntry[] = [];
      for (const [id, exp] of map) if (exp === null || exp > cutoff) out.push([id, exp]);
      return out;
    };
    const agents: SnapshotAgent[] = [];
    for (const [id, a] of this.#agents)
      if (a.expiresAt === null || a.expiresAt > cutoff)
        agents.push([id, a.status, a.at, a.expiresAt]);
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
