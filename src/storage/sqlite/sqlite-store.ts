import Database from 'better-sqlite3';
import type { Clock } from '../../core/clock.js';
import { MandateError } from '../../core/errors.js';
import type { Store, StoreReader, StoreTx } from '../../core/store/index.js';
import { migrations } from './migrations/index.js';
import {
  SqliteAgents,
  SqliteAudit,
  SqliteCas,
  SqliteCredentials,
  SqliteIssuers,
  SqliteJoinTokens,
  SqliteKeys,
  SqliteMeta,
} from './repositories.js';
import { SqlitePolicySets, SqliteToolServers } from './policy-repositories.js';
import { SqliteApprovals } from './approval-repositories.js';
import { SqliteSecrets } from './secret-repositories.js';
import { SqliteRevocationEvents } from './revocation-repositories.js';
import { SqliteGrantRequests, SqliteHumanSessions } from './human-repositories.js';
import { SqliteSignals } from './signal-repositories.js';
import { SqliteSsfStreams } from './ssf-repositories.js';
import { SqliteTaskSessions } from './session-repositories.js';
import { SqliteRetention } from './retention-repositories.js';
import { SqliteOAuthClients, SqliteRegistrationTokens } from './client-repositories.js';
import { Statements } from './statements.js';
import {
  SqliteFederation,
  SqliteGrants,
  SqliteReplay,
  SqliteTasks,
  SqliteTaskTokens,
  SqliteTrustRules,
} from './task-repositories.js';

export interface SqliteStoreOptions {
  /** Path of the database file. */
  path: string;
  clock: Clock;
}

function repositories(s: Statements, clock: Clock): StoreTx {
  return {
    agents: new SqliteAgents(s),
    joinTokens: new SqliteJoinTokens(s),
    keys: new SqliteKeys(s),
    cas: new SqliteCas(s),
    credentials: new SqliteCredentials(s),
    issuers: new SqliteIssuers(s),
    audit: new SqliteAudit(s, clock),
    meta: new SqliteMeta(s),
    tasks: new SqliteTasks(s),
    tokens: new SqliteTaskTokens(s),
    replay: new SqliteReplay(s),
    trustRules: new SqliteTrustRules(s),
    grants: new SqliteGrants(s),
    federation: new SqliteFederation(s),
    policySets: new SqlitePolicySets(s),
    toolServers: new SqliteToolServers(s),
    approvals: new SqliteApprovals(s),
    secrets: new SqliteSecrets(s),
    revocations: new SqliteRevocationEvents(s),
    grantRequests: new SqliteGrantRequests(s),
    humanSessions: new SqliteHumanSessions(s),
    ssfStreams: new SqliteSsfStreams(s),
    signals: new SqliteSignals(s),
    retention: new SqliteRetention(s),
    taskSessions: new SqliteTaskSessions(s),
    oauthClients: new SqliteOAuthClients(s),
    registrationTokens: new SqliteRegistrationTokens(s),
  };
}

/**
 * The embedded store: one SQLite file in WAL mode. Writes go through one connection, one
 * transaction at a time (an async queue, since a transaction's body awaits); reads outside a
 * transaction use a second connection, which in WAL mode sees the last committed state and
 * never waits for the writer.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite';
  readonly read: StoreReader;
  private readonly writer: Database.Database;
  private readonly readerDb: Database.Database;
  private readonly tx: StoreTx;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(options: SqliteStoreOptions) {
    this.writer = new Database(options.path);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = NORMAL');
    this.writer.pragma('foreign_keys = ON');
    this.writer.pragma('busy_timeout = 5000');
    // Deleted rows (a deleted secret's ciphertexts) are overwritten, not left in free pages.
    this.writer.pragma('secure_delete = ON');
    try {
      migrate(this.writer);
    } catch (err) {
      this.writer.close();
      throw err;
    }
    this.readerDb = new Database(options.path, { readonly: true });
    this.readerDb.pragma('busy_timeout = 5000');
    this.tx = repositories(new Statements(this.writer), options.clock);
    this.read = repositories(new Statements(this.readerDb), options.clock);
  }

  /** Opens (creating and migrating when needed) the database at `options.path`. */
  static open(options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(options);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error('store is closed');
      this.writer.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.tx);
        this.writer.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
        throw err;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async ping(): Promise<void> {
    this.readerDb.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.closed) return;
    this.closed = true;
    this.readerDb.close();
    this.writer.close();
  }
}

/** Applies pending migrations in version order, each in its own transaction. */
export function migrate(db: Database.Database): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .all()
      .map((r) => (r as { version: number }).version),
  );
  const known = Math.max(...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new MandateError(
      'invalid_config',
      `the database schema is version ${newest}, newer than this Mandate knows (${known}); upgrade Mandate instead of downgrading`,
    );
  }
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    })();
    done.push(m.version);
  }
  return done;
}
