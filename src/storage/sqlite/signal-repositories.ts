import type { SignalReader, SignalRecord, SignalWriter } from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = {
  id: string;
  kind: string;
  source: string;
  risk: number;
  confidence: number | null;
  reason: string | null;
  task: string | null;
  agent: string | null;
  at: number;
  expires_at: number;
  responses: string;
  dedup_key: string | null;
};

const fromRow = (r: Row): SignalRecord => ({
  id: r.id,
  kind: r.kind,
  source: r.source,
  risk: r.risk,
  confidence: r.confidence,
  reason: r.reason,
  task: r.task,
  agent: r.agent,
  at: r.at,
  expiresAt: r.expires_at,
  responses: parse<string[]>(r.responses),
  key: r.dedup_key,
});

/** Live risk signals (migration 11). */
export class SqliteSignals implements SignalReader, SignalWriter {
  constructor(private readonly s: Statements) {}

  async listRecent(limit: number) {
    return this.s
      .all<Row>(
        'SELECT * FROM (SELECT * FROM signals ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id',
        limit,
      )
      .map(fromRow);
  }

  async listForRestore(now: number, limit: number) {
    // SQLite takes the bare columns of a MAX() aggregate from the row holding the maximum.
    const rows = this.s.all<Row>(
      `SELECT id, kind, source, risk, confidence, reason, task, agent, at, MAX(expires_at) AS expires_at, responses, dedup_key FROM signals GROUP BY task, agent, risk, responses
       ORDER BY MAX(expires_at) > ? DESC, (risk > 0 OR responses <> '[]') DESC, risk DESC, MAX(expires_at) DESC LIMIT ?`,
      now,
      limit,
    );
    return rows
      .map(fromRow)
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async insert(x: SignalRecord) {
    this.s.run(
      'INSERT INTO signals (id, kind, source, risk, confidence, reason, task, agent, at, expires_at, responses, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      x.id,
      x.kind,
      x.source,
      x.risk,
      x.confidence,
      x.reason,
      x.task,
      x.agent,
      x.at,
      x.expiresAt,
      json(x.responses),
      x.key,
    );
  }

  async deleteExpired(now: number) {
    return this.s.run('DELETE FROM signals WHERE expires_at <= ?', now).changes;
  }
}
