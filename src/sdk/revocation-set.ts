import type { Principal } from './token-verifier-claims.js';

/** An agent's status, as revocation events carry it. */
export type AgentStatus = 'active' | 'suspended' | 'retired';

/** What a revocation event revokes. */
export type RevocationKind = 'token' | 'task' | 'agent' | 'grant' | 'approval' | 'key';

/**
 * One `revocation` event of `GET /v1/events` (docs/revocation.md). Times are epoch
 * milliseconds; `exp` is when what it revokes has expired anyway (null: never).
 */
export interface RevocationEvent {
  seq: number;
  kind: RevocationKind;
  /** jti, task id, agent SPIFFE ID, grant id, approval id or key id. */
  id: string;
  at: number;
  exp: number | null;
  cause: string;
  /** `agent` events: the agent's status from `at` on (tokens issued before `at` stay dead). */
  status?: AgentStatus;
}

/** The `snapshot` event: every unexpired revocation as of `seq`, as `[id, exp]` (agents: `[id, status, at, exp]`). */
export interface RevocationSnapshot {
  seq: number;
  time: number;
  tokens: [string, number | null][];
  tasks: [string, number | null][];
  agents: [string, AgentStatus, number, number | null][];
  grants: [string, number | null][];
  approvals: [string, number | null][];
  keys: [string, number | null][];
}

type Simple = Exclude<RevocationKind, 'agent'>;
const KINDS: readonly RevocationKind[] = ['token', 'task', 'agent', 'grant', 'approval', 'key'];
const STATUSES: readonly string[] = ['active', 'suspended', 'retired'];
const PLURAL: Record<Simple, 'tokens' | 'tasks' | 'grants' | 'approvals' | 'keys'> = {
  token: 'tokens',
  task: 'tasks',
  grant: 'grants',
  approval: 'approvals',
  key: 'keys',
};

/**
 * An enforcement point accepts a token up to this long past its `exp` (TokenVerifier's clock
 * tolerance is at most 300 s), so an entry is kept that much longer.
 */
const EXPIRY_GRACE_MS = 300_000;

const isExp = (v: unknown): v is number | null =>
  v === null || (typeof v === 'number' && Number.isFinite(v));
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Reads a `revocation` event's data; throws a TypeError when it is not one. */
export function parseRevocationEvent(data: string): RevocationEvent {
  const e = JSON.parse(data) as Partial<RevocationEvent> | null;
  if (typeof e !== 'object' || e === null)
    throw new TypeError('a revocation event must be a JSON object');
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1)
    throw new TypeError('a revocation event needs a positive integer `seq`');
  if (
    !KINDS.includes(e.kind as RevocationKind) ||
    !isId(e.id) ||
    typeof e.at !== 'number' ||
    !isExp(e.exp)
  )
    throw new TypeError(`revocation event ${String(e.seq)} is malformed`);
  if (e.kind === 'agent' && !STATUSES.includes(e.status as string))
    throw new TypeError(`agent revocation event ${String(e.seq)} has no valid \`status\``);
  return e as RevocationEvent;
}

/** Reads a `snapshot` event's data; throws a TypeError when it is not one. */
export function parseRevocationSnapshot(data: string): RevocationSnapshot {
  const s = JSON.parse(data) as Partial<RevocationSnapshot> | null;
  if (typeof s !== 'object' || s === null || !Number.isSafeInteger(s.seq) || (s.seq as number) < 0)
    throw new TypeError('a snapshot must be a JSON object with an integer `seq`');
  for (const key of Object.values(PLURAL)) {
    const list = s[key];
    if (
      !Array.isArray(list) ||
      !list.every((t) => Array.isArray(t) && t.length === 2 && isId(t[0]) && isExp(t[1]))
    )
      throw new TypeError(`the snapshot's \`${key}\` must be a list of [id, exp]`);
  }
  if (
    !Array.isArray(s.agents) ||
    !s.agents.every(
      (t) =>
        Array.isArray(t) &&
        t.length === 4 &&
        isId(t[0]) &&
        STATUSES.includes(t[1]) &&
        typeof t[2] === 'number' &&
        isExp(t[3]),
    )
  ) {
    throw new TypeError("the snapshot's `agents` must be a list of [id, status, at, exp]");
  }
  return s as RevocationSnapshot;
}

/**
 * The revocation state an enforcement point holds in memory, fed from Mandate's event stream
 * (`RevocationFeed` keeps it current). `check` has the server registry's semantics and cost:
 * a few Map lookups, O(chain depth): the token, any ancestor (a revoked token kills its
 * descendants), its task, every agent on its chain (suspended, or changed status after the
 * token was issued), its grant and the key that signed it.
 *
 * @example
 * const set = new RevocationSet();
 * set.load(snapshot);
 * set.apply(event);
 * const reason = set.check(principal); // 'task ended', ... or null
 */
export class RevocationSet {
  readonly #simple: Record<Simple, Map<string, number | null>> = {
    token: new Map(),
    task: new Map(),
    grant: new Map(),
    approval: new Map(),
    key: new Map(),
  };
  readonly #agents = new Map<string, { status: AgentStatus; at: number; exp: number | null }>();

  /** Replaces the whole state with a snapshot. */
  load(snapshot: RevocationSnapshot): void {
    this.clear();
    for (const kind of Object.keys(PLURAL) as Simple[])
      for (const [id, exp] of snapshot[PLURAL[kind]]) this.#simple[kind].set(id, exp);
    for (const [id, status, at, exp] of snapshot.agents) this.#agents.set(id, { status, at, exp });
  }

  /** Applies one event; events must come in seq order (an agent's latest event wins). */
  apply(e: RevocationEvent): void {
    if (e.kind === 'agent') {
      this.#agents.set(e.id, { status: e.status ?? 'suspended', at: e.at, exp: e.exp });
      return;
    }
    const map = this.#simple[e.kind];
    const had = map.get(e.id);
    map.set(e.id, had === null || e.exp === null ? null : Math.max(had ?? e.exp, e.exp));
  }

  clear(): void {
    for (const map of Object.values(this.#simple)) map.clear();
    this.#agents.clear();
  }

  /** Why the principal's token is revoked, or null. Usable as `TokenVerifier`'s `revocation` hook. */
  check(p: Principal): string | null {
    const tokens = this.#simple.token;
    if (tokens.has(p.jti)) return 'token revoked';
    for (const a of p.ancestors) if (tokens.has(a)) return 'an ancestor token was revoked';
    if (this.#simple.task.has(p.taskId)) return 'task ended';
    // The agents on the chain: the subject unless it is the human of an on-behalf-of token, and every actor.
    const agents = p.grantId === null ? [p.subject, ...p.actors] : p.actors;
    for (const a of agents) {
      const entry = this.#agents.get(a);
      if (entry === undefined) continue;
      if (entry.status !== 'active') return `agent \`${a}\` is not active`;
      if (p.issuedAt * 1000 < entry.at)
        return `agent \`${a}\` was suspended after this token was issued`;
    }
    if (p.grantId !== null && this.#simple.grant.has(p.grantId)) return 'delegation grant revoked';
    if (p.keyId && this.#simple.key.has(p.keyId)) return `signing key \`${p.keyId}\` was revoked`;
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

  get size(): number {
    let n = this.#agents.size;
    for (const map of Object.values(this.#simple)) n += map.size;
    return n;
  }
}
