import type {
  AgentStatus,
  RevocationEventInput,
  RevocationEventReader,
  RevocationEventRecord,
  RevocationEventWriter,
  RevocationKind,
} from '../../core/store/index.js';
import type { Statements } from './statements.js';

type Row = {
  seq: number;
  kind: string;
  subject: string;
  at: number;
  expires_at: number | null;
  cause: string;
  status: string | null;
};

const fromRow = (r: Row): RevocationEventRecord => ({
  seq: r.seq,
  kind: r.kind as RevocationKind,
  subject: r.subject,
  at: r.at,
  expiresAt: r.expires_at,
  cause: r.cause,
  ...(r.status !== null ? { status: r.status as AgentStatus } : {}),
});

/** The revocation feed (migration 7): seq is AUTOINCREMENT, so it only grows. */
export class SqliteRevocationEvents implements RevocationEventReader, RevocationEventWriter {
  constructor(private readonly s: Statements) {}

  async list(opts: { afterSeq?: number; limit?: number } = {}) {
    return this.s
      .all<Row>(
        'SELECT * FROM revocation_events WHERE seq > ? ORDER BY seq LIMIT ?',
        opts.afterSeq ?? 0,
        opts.limit ?? 10_000,
      )
      .map(fromRow);
  }

  async head() {
    // sqlite_sequence keeps the highest seq handed out even when those rows were deleted.
    const r = this.s.one<{ seq: number }>(
      "SELECT seq FROM sqlite_sequence WHERE name = 'revocation_events'",
    );
    return r?.seq ?? 0;
  }

  async append(e: RevocationEventInput) {
    const r = this.s.run(
      'INSERT INTO revocation_events (kind, subject, at, expires_at, cause, status) VALUES (?, ?, ?, ?, ?, ?)',
      e.kind,
      e.subject,
      e.at,
      e.expiresAt,
      e.cause,
      e.status ?? null,
    );
    return {
      seq: Number(r.lastInsertRowid),
      kind: e.kind,
      subject: e.subject,
      at: e.at,
      expiresAt: e.expiresAt,
      cause: e.cause,
      ...(e.status !== undefined ? { status: e.status } : {}),
    };
  }

  async compact(now: number) {
    // INVARIANT: superseded agent events go first, so an expired cutoff never uncovers an older suspension.
    const superseded = this.s.run(
      "DELETE FROM revocation_events WHERE kind = 'agent' AND EXISTS (SELECT 1 FROM revocation_events later WHERE later.kind = 'agent' AND later.subject = revocation_events.subject AND later.seq > revocation_events.seq)",
    );
    const expired = this.s.run(
      'DELETE FROM revocation_events WHERE expires_at IS NOT NULL AND expires_at <= ?',
      now,
    );
    return superseded.changes + expired.changes;
  }
}
