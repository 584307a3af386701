import type { Clock } from '../core/clock.js';
import type { StoreReader } from '../core/store/index.js';

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
}

/**
 * Revocation state held in memory, so every check is O(chain depth) with no I/O: revoked
 * token ids (with their expiry, so they can be dropped once moot), ended tasks, inactive
 * agents and revoked grants. Loaded from the store at start and updated by the code paths
 * that revoke; issue 7 adds the event stream that keeps other processes in step.
 */
export class RevocationRegistry {
  private readonly tokens = new Map<string, number>();
  private readonly tasks = new Map<string, number>();
  /** Suspended or retired agents. */
  private readonly agents = new Set<string>();
  /** Per agent, the last status change (ms): tokens issued before it stay dead after a resume. */
  private readonly cutoffs = new Map<string, number>();
  private readonly grants = new Set<string>();

  constructor(private readonly clock: Clock) {}

  async load(read: StoreReader): Promise<void> {
    const now = this.clock.now();
    for (const t of await read.tokens.listRevokedUnexpired(now)) this.tokens.set(t.jti, t.expiresAt);
    for (const status of ['ended', 'expired'] as const) {
      for (const t of await read.tasks.list({ status, limit: 100_000 })) if (t.expiresAt > now) this.tasks.set(t.id, t.expiresAt);
    }
    for (const a of await read.agents.list()) {
      if (a.status !== 'active') this.agents.add(a.spiffeId);
      // updatedAt is the agent's last status change (registration for untouched agents).
      this.cutoffs.set(a.spiffeId, a.updatedAt);
    }
    for (const g of await read.grants.list()) if (g.status !== 'active') this.grants.add(g.id);
  }

  revokeTokens(jtis: Iterable<string>, expiresAt: number): void {
    for (const j of jtis) this.tokens.set(j, expiresAt);
  }
  endTask(taskId: string, expiresAt: number): void {
    this.tasks.set(taskId, expiresAt);
  }
  /** Records a status change at `at` (ms); resuming an agent does not revive its older tokens. */
  setAgentActive(spiffeId: string, active: boolean, at: number): void {
    if (active) this.agents.delete(spiffeId);
    else this.agents.add(spiffeId);
    this.cutoffs.set(spiffeId, at);
  }
  revokeGrant(grantId: string): void {
    this.grants.add(grantId);
  }

  /** Why `t` is revoked, or null. O(depth + chain agents). */
  check(t: RevocableToken): string | null {
    if (this.tokens.has(t.jti)) return 'token revoked';
    for (const a of t.ancestors) if (this.tokens.has(a)) return 'an ancestor token was revoked';
    if (this.tasks.has(t.task_id)) return 'task ended';
    for (const a of t.agents) {
      if (this.agents.has(a)) return `agent \`${a}\` is not active`;
      if (t.iat * 1000 < (this.cutoffs.get(a) ?? 0)) return `agent \`${a}\` was suspended after this token was issued`;
    }
    if (t.grant_id && this.grants.has(t.grant_id)) return 'delegation grant revoked';
    return null;
  }

  /** Drops entries whose tokens have expired anyway. */
  compact(): number {
    const now = this.clock.now();
    let dropped = 0;
    for (const [k, exp] of this.tokens) if (exp <= now && this.tokens.delete(k)) dropped++;
    for (const [k, exp] of this.tasks) if (exp <= now && this.tasks.delete(k)) dropped++;
    return dropped;
  }

  get size(): number {
    return this.tokens.size + this.tasks.size + this.agents.size + this.grants.size;
  }
}
