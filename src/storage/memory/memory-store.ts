import type { Clock } from '../../core/clock.js';
import type { Store, StoreReader, StoreTx } from '../../core/store/index.js';
import { MemoryApprovals } from './approval-repositories.js';
import { MemoryOAuthClients, MemoryRegistrationTokens } from './client-repositories.js';
import { MemoryGrantRequests, MemoryHumanSessions } from './human-repositories.js';
import { MemoryPolicySets, MemoryToolServers } from './policy-repositories.js';
import {
  MemoryAgents,
  MemoryAudit,
  MemoryCas,
  MemoryCredentials,
  MemoryIssuers,
  MemoryJoinTokens,
  MemoryKeys,
  MemoryMeta,
} from './repositories.js';
import { MemoryRetention } from './retention-repositories.js';
import { MemoryRevocationEvents } from './revocation-repositories.js';
import { MemorySecrets } from './secret-repositories.js';
import { MemoryTaskSessions } from './session-repositories.js';
import { MemorySignals } from './signal-repositories.js';
import { MemorySsfStreams } from './ssf-repositories.js';
import { emptyTables, View, type Database } from './tables.js';
import {
  MemoryFederation,
  MemoryGrants,
  MemoryReplay,
  MemoryTasks,
  MemoryTaskTokens,
  MemoryTrustRules,
} from './task-repositories.js';

export interface MemoryStoreOptions {
  /** The clock audit events are stamped with when their input has no time. */
  clock: Clock;
}

function repositories(v: View, clock: Clock): StoreTx {
  return {
    agents: new MemoryAgents(v),
    joinTokens: new MemoryJoinTokens(v),
    keys: new MemoryKeys(v),
    cas: new MemoryCas(v),
    credentials: new MemoryCredentials(v),
    issuers: new MemoryIssuers(v),
    audit: new MemoryAudit(v, clock),
    meta: new MemoryMeta(v),
    tasks: new MemoryTasks(v),
    tokens: new MemoryTaskTokens(v),
    replay: new MemoryReplay(v),
    trustRules: new MemoryTrustRules(v),
    grants: new MemoryGrants(v),
    federation: new MemoryFederation(v),
    policySets: new MemoryPolicySets(v),
    toolServers: new MemoryToolServers(v),
    approvals: new MemoryApprovals(v),
    secrets: new MemorySecrets(v),
    revocations: new MemoryRevocationEvents(v),
    grantRequests: new MemoryGrantRequests(v),
    humanSessions: new MemoryHumanSessions(v),
    ssfStreams: new MemorySsfStreams(v),
    signals: new MemorySignals(v),
    retention: new MemoryRetention(v),
    taskSessions: new MemoryTaskSessions(v),
    oauthClients: new MemoryOAuthClients(v),
    registrationTokens: new MemoryRegistrationTokens(v),
  };
}

/**
 * A store that keeps everything in memory and loses it on close: for unit tests that need a
 * store, not SQL. It passes the same conformance suite as the SQLite store
 * (../conformance/store-conformance.ts): the same ordering, conflicts, foreign keys and audit
 * hash chain. Transactions run one at a time, like SQLite's single writer; a transaction's writes
 * are held apart from the committed tables until it returns, and dropped if it throws, so reads
 * outside it never see them.
 *
 * Internal: not exported by the package.
 */
export class MemoryStore implements Store {
  readonly dialect = 'memory';
  readonly read: StoreReader;
  private readonly db: Database = { tables: emptyTables(), inTransaction: false, closed: false };
  private readonly tx: StoreTx;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: MemoryStoreOptions) {
    this.tx = repositories(new View(this.db, true), options.clock);
    this.read = repositories(new View(this.db, false), options.clock);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.db.closed) throw new Error('store is closed');
      this.db.inTransaction = true;
      try {
        const result = await fn(this.tx);
        // INVARIANT: one synchronous pass applies every table's changes: a commit is all or nothing.
        for (const table of Object.values(this.db.tables)) table.commit();
        return result;
      } finally {
        for (const table of Object.values(this.db.tables)) table.pending = undefined;
        this.db.inTransaction = false;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async ping(): Promise<void> {
    if (this.db.closed) throw new Error('store is closed');
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.closed = true;
  }
}
