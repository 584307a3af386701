import { MandateError } from '../../core/errors.js';
import type {
  AgentRecord,
  ApprovalRecord,
  AuditCheckpointRecord,
  AuditEventRecord,
  CaRecord,
  CredentialRecord,
  FederatedDomainRecord,
  GrantRecord,
  GrantRequestRecord,
  HumanSessionRecord,
  JoinTokenRecord,
  OAuthClientRecord,
  PolicySetRecord,
  RegistrationTokenRecord,
  RevocationEventRecord,
  SecretRecord,
  SecretVersionRecord,
  SignalRecord,
  SigningKeyRecord,
  SsfStreamRecord,
  TaskRecord,
  TaskSessionRecord,
  TaskTokenRecord,
  ToolServerRecord,
  TrustRuleRecord,
  TrustedIssuerRecord,
} from '../../core/store/index.js';

/** What a transaction's change set holds for a row it deleted. */
const GONE = Symbol('gone');

/**
 * One table: the committed rows, keyed by primary key in insertion order (SQLite's rowid order,
 * which its unordered scans follow), and the open transaction's changes to them. A commit applies
 * the changes, a rollback drops them: a transaction costs what it writes, not the table's size.
 */
export class Table<K, V> {
  readonly committed = new Map<K, V>();
  /** The open transaction's changes: a new row, or GONE. */
  pending: Map<K, V | typeof GONE> | undefined;

  commit(): void {
    for (const [key, value] of this.pending ?? [])
      if (value === GONE) this.committed.delete(key);
      else this.committed.set(key, value);
    this.pending = undefined;
  }
}

/**
 * The memory store's tables, one per SQLite table.
 *
 * INVARIANT: a stored row is a deep-frozen copy and never changed in place (a write replaces it),
 * and what a caller reads is a fresh copy: nothing a caller holds aliases the store.
 */
export interface Tables {
  agents: Table<string, AgentRecord>;
  joinTokens: Table<string, JoinTokenRecord>;
  keys: Table<string, SigningKeyRecord>;
  cas: Table<string, CaRecord>;
  credentials: Table<string, CredentialRecord>;
  issuers: Table<string, TrustedIssuerRecord>;
  /** By seq, ascending (appended in order, pruned from the oldest). */
  auditEvents: Table<number, AuditEventRecord>;
  auditCheckpoints: Table<number, AuditCheckpointRecord>;
  meta: Table<string, string>;
  tasks: Table<string, TaskRecord>;
  tokens: Table<string, TaskTokenRecord>;
  /** Delegation edges (ancestor → descendant), keyed by `ancestor\0jti`. */
  tokenEdges: Table<string, { ancestor: string; jti: string }>;
  /** Replay cache: key → expiry. */
  replay: Table<string, number>;
  trustRules: Table<string, TrustRuleRecord>;
  grants: Table<string, GrantRecord>;
  federation: Table<string, FederatedDomainRecord>;
  policySets: Table<number, PolicySetRecord>;
  toolServers: Table<string, ToolServerRecord>;
  approvals: Table<string, ApprovalRecord>;
  secrets: Table<string, SecretRecord>;
  /** Keyed by `secretId\0version`. */
  secretVersions: Table<string, SecretVersionRecord>;
  /** By seq, ascending. */
  revocations: Table<number, RevocationEventRecord>;
  grantRequests: Table<string, GrantRequestRecord>;
  humanSessions: Table<string, HumanSessionRecord>;
  ssfStreams: Table<string, SsfStreamRecord>;
  signals: Table<string, SignalRecord>;
  taskSessions: Table<string, TaskSessionRecord>;
  /** By client_id. */
  oauthClients: Table<string, OAuthClientRecord>;
  registrationTokens: Table<string, RegistrationTokenRecord>;
  /**
   * Counters that only grow, like SQLite's `sqlite_sequence`: `revocations`, the highest seq
   * handed out; `audit`, the seq of the newest event (the chain's head).
   */
  sequences: Table<string, number>;
}

export type TableName = keyof Tables;
type RowOf<N extends TableName> = Tables[N] extends Table<infer K, infer V> ? [K, V] : never;

export function emptyTables(): Tables {
  const t = <K, V>() => new Table<K, V>();
  return {
    agents: t(),
    joinTokens: t(),
    keys: t(),
    cas: t(),
    credentials: t(),
    issuers: t(),
    auditEvents: t(),
    auditCheckpoints: t(),
    meta: t(),
    tasks: t(),
    tokens: t(),
    tokenEdges: t(),
    replay: t(),
    trustRules: t(),
    grants: t(),
    federation: t(),
    policySets: t(),
    toolServers: t(),
    approvals: t(),
    secrets: t(),
    secretVersions: t(),
    revocations: t(),
    grantRequests: t(),
    humanSessions: t(),
    ssfStreams: t(),
    signals: t(),
    taskSessions: t(),
    oauthClients: t(),
    registrationTokens: t(),
    sequences: t(),
  };
}

/** The tables, whether a transaction is open, and whether the store is closed. */
export interface Database {
  tables: Tables;
  inTransaction: boolean;
  closed: boolean;
}

/**
 * What a repository reads and writes through. The store's `read` side sees committed rows only;
 * its transaction side sees the open transaction's changes over them, so a transaction reads its
 * own writes and nobody else does until it commits.
 */
export class View {
  constructor(
    private readonly db: Database,
    private readonly transactional: boolean,
  ) {}

  /** A table to read. */
  table<N extends TableName>(name: N): Rows<RowOf<N>[0], RowOf<N>[1]> {
    return this.#rows(name, false);
  }

  /** The same table, to write: only inside `store.transaction`. */
  write<N extends TableName>(name: N): Rows<RowOf<N>[0], RowOf<N>[1]> {
    if (!this.transactional || !this.db.inTransaction)
      throw new Error('a write outside store.transaction');
    return this.#rows(name, true);
  }

  #rows<N extends TableName>(name: N, writable: boolean): Rows<RowOf<N>[0], RowOf<N>[1]> {
    if (this.db.closed) throw new Error('store is closed');
    const table = this.db.tables[name] as unknown as Table<RowOf<N>[0], RowOf<N>[1]>;
    return new Rows(table, this.transactional && this.db.inTransaction, writable);
  }
}

/** A table as one side sees it: committed rows, or the open transaction's changes over them. */
export class Rows<K, V> {
  constructor(
    private readonly t: Table<K, V>,
    /** Sees the open transaction's changes. */
    private readonly own: boolean,
    private readonly writable: boolean,
  ) {}

  get(key: K): V | undefined {
    const change = this.own ? this.t.pending?.get(key) : undefined;
    if (change !== undefined) return change === GONE ? undefined : change;
    return this.t.committed.get(key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Every row, committed ones in insertion order with this transaction's changes applied, then its new ones. */
  *entries(): IterableIterator<[K, V]> {
    const pending = this.own ? this.t.pending : undefined;
    for (const [key, value] of this.t.committed) {
      const change = pending?.get(key);
      if (change === undefined) yield [key, value];
      else if (change !== GONE) yield [key, change];
    }
    for (const [key, change] of pending ?? [])
      if (change !== GONE && !this.t.committed.has(key)) yield [key, change];
  }

  values(): V[] {
    return [...this.entries()].map(([, v]) => v);
  }

  set(key: K, value: V): void {
    this.#changes().set(key, value);
  }

  delete(key: K): boolean {
    if (!this.has(key)) return false;
    this.#changes().set(key, GONE);
    return true;
  }

  #changes(): Map<K, V | typeof GONE> {
    // INVARIANT: only a table taken with View.write changes, so nothing but a transaction does.
    if (!this.writable) throw new Error('a write through a table taken to read');
    return (this.t.pending ??= new Map());
  }
}

/** A stored form of `value`: a deep copy, frozen (see the INVARIANT on `Tables`). */
export function stored<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

/** What a caller gets: a copy of the stored record, free to change. */
export function copy<T>(value: T): T;
export function copy<T>(value: T | undefined): T | undefined;
export function copy<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** A primary key or unique value taken: the same refusal as the SQLite store's. */
export function conflict(): MandateError {
  return new MandateError('conflict', 'a record with the same identity already exists');
}

/** A reference to a row that does not exist (SQLite's foreign keys are on). */
export function foreignKey(what: string): Error {
  return new Error(`FOREIGN KEY constraint failed: ${what}`);
}

/** Inserts `value` under `key`; a taken key is a conflict. */
export function insert<K, V>(table: Rows<K, V>, key: K, value: V): void {
  if (table.has(key)) throw conflict();
  table.set(key, stored(value));
}

/** Replaces the record under `key` with `change(old)`, if there is one; true when there was. */
export function update<K, V>(table: Rows<K, V>, key: K, change: (old: V) => V): boolean {
  const old = table.get(key);
  if (old === undefined) return false;
  table.set(key, stored(change(old)));
  return true;
}

/** Deletes every record `match` picks; returns how many. */
export function deleteWhere<K, V>(table: Rows<K, V>, match: (value: V) => boolean): number {
  const keys = [...table.entries()].filter(([, v]) => match(v)).map(([k]) => k);
  for (const key of keys) table.delete(key);
  return keys.length;
}

/** Compares as SQLite's ORDER BY does for the types stored here: numbers, then strings; NULL first. */
export function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : 1;
}

/** An ORDER BY over several keys (`-1`: descending); stable, so ties keep insertion order. */
export function orderBy<T>(
  rows: T[],
  ...keys: [(row: T) => string | number | null, (1 | -1)?][]
): T[] {
  return rows.sort((x, y) => {
    for (const [key, dir = 1] of keys) {
      const c = compare(key(x), key(y));
      if (c !== 0) return c * dir;
    }
    return 0;
  });
}

/** LIMIT: `undefined` or a negative limit is none, as in SQLite. */
export function limit<T>(rows: T[], n: number | undefined): T[] {
  return n === undefined || n < 0 ? rows : rows.slice(0, n);
}
