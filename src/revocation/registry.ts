import type { Clock } from '../core/clock.js';
import type { RevocationEventInput } from '../core/store/index.js';
import {
  RevocationState,
  type RevocableToken,
  type RevocationLists,
} from '../protocol/revocation.js';

export type { RevocableToken } from '../protocol/revocation.js';

/** Every unexpired revocation, grouped by kind, in the compact form `GET /v1/events` sends. */
export type RegistryState = RevocationLists;

/**
 * Mandate's revocation state, held in memory so that every check is O(chain depth) with no I/O
 * (src/protocol/revocation.ts: the same check the SDK's `RevocationSet` runs at remote
 * enforcement points). It is fed only by the revocation feed: `RevocationBus` applies each
 * committed event in seq order.
 */
export class RevocationRegistry {
  readonly #state = new RevocationState();

  constructor(private readonly clock: Clock) {}

  /** Applies one event. Events of one agent must come in seq order: the latest wins. */
  apply(e: RevocationEventInput): void {
    this.#state.revoke({
      kind: e.kind,
      id: e.subject,
      at: e.at,
      exp: e.expiresAt,
      status: e.status,
    });
  }

  /** Replaces the whole state (a snapshot). */
  load(state: RegistryState): void {
    this.#state.load(state);
  }

  clear(): void {
    this.#state.clear();
  }

  /** Why `t` is revoked, or null. O(depth + chain agents). */
  check(t: RevocableToken): string | null {
    return this.#state.check(t);
  }

  /** Why an approval may no longer be used, or null. */
  checkApproval(id: string): string | null {
    return this.#state.checkApproval(id);
  }

  /** Drops entries whose subject expired (with the verifiers' clock tolerance) before `now`; returns how many. */
  compact(now = this.clock.now()): number {
    return this.#state.compact(now);
  }

  /** Every entry not yet moot at `now` (compaction would keep it). */
  state(now = this.clock.now()): RegistryState {
    return this.#state.lists(now);
  }

  get size(): number {
    return this.#state.size;
  }
}
