import type { Principal } from '../protocol/principal.js';
import {
  revocableOf,
  RevocationState,
  type Revocation,
  type RevocationKind,
  type RevocationLists,
} from '../protocol/revocation.js';

export type { AgentStatus, RevocationKind } from '../protocol/revocation.js';

/**
 * One `revocation` event of `GET /v1/events` (docs/revocation.md). Times are epoch
 * milliseconds; `exp` is when what it revokes has expired anyway (null: never).
 */
export interface RevocationEvent extends Revocation {
  seq: number;
  cause: string;
}

/** The `snapshot` event: every unexpired revocation as of `seq`, as `[id, exp]` (agents: `[id, status, at, exp]`). */
export interface RevocationSnapshot extends RevocationLists {
  seq: number;
  time: number;
}

const KINDS: readonly RevocationKind[] = ['token', 'task', 'agent', 'grant', 'approval', 'key'];
const STATUSES: readonly string[] = ['active', 'suspended', 'retired'];
const LISTS = ['tokens', 'tasks', 'grants', 'approvals', 'keys'] as const;

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
  for (const key of LISTS) {
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
 * (`RevocationFeed` keeps it current). `check` is the server registry's check itself
 * (src/protocol/revocation.ts), at the same cost: a few Map lookups, O(chain depth): the token,
 * any ancestor (a revoked token kills its descendants), its task, every agent on its chain
 * (suspended, or changed status after the token was issued), its grant and the key that signed it.
 *
 * @example
 * const set = new RevocationSet();
 * set.load(snapshot);
 * set.apply(event);
 * const reason = set.check(principal); // 'task ended', ... or null
 */
export class RevocationSet {
  readonly #state = new RevocationState();

  /** Replaces the whole state with a snapshot. */
  load(snapshot: RevocationSnapshot): void {
    this.#state.load(snapshot);
  }

  /** Applies one event; events must come in seq order (an agent's latest event wins). */
  apply(e: RevocationEvent): void {
    this.#state.revoke(e);
  }

  clear(): void {
    this.#state.clear();
  }

  /** Why the principal's token is revoked, or null. Usable as `TokenVerifier`'s `revocation` hook. */
  check(p: Principal): string | null {
    return this.#state.check(revocableOf(p));
  }

  /** Why an approval may no longer be used, or null. */
  checkApproval(id: string): string | null {
    return this.#state.checkApproval(id);
  }

  /** Drops entries whose subject expired (with the verifiers' clock tolerance) before `now`; returns how many. */
  compact(now: number): number {
    return this.#state.compact(now);
  }

  get size(): number {
    return this.#state.size;
  }
}
