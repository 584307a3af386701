import type {
  GrantRequestReader,
  GrantRequestRecord,
  GrantRequestStatus,
  GrantRequestWriter,
  HumanSessionReader,
  HumanSessionRecord,
  HumanSessionWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = Record<string, unknown>;

const requestFromRow = (r: Row): GrantRequestRecord => ({
  id: r.id as string,
  agent: r.agent as string,
  human: r.human as string,
  scopes: parse(r.scopes as string),
  purpose: r.purpose as string,
  durationSeconds: r.duration_seconds as number,
  status: r.status as GrantRequestStatus,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  decidedAt: (r.decided_at as number | null) ?? null,
  decidedBy: (r.decided_by as string | null) ?? null,
  note: (r.note as string | null) ?? null,
});

export class SqliteGrantRequests implements GrantRequestReader, GrantRequestWriter {
  constructor(private readonly s: Statements) {}
  async get(id: string) {
    const r = this.s.one<Row>('SELECT * FROM grant_requests WHERE id = ?', id);
    return r && requestFromRow(r);
  }
  async list(
    f: { human?: string; agent?: string; status?: GrantRequestStatus; limit?: number } = {},
  ) {
    return this.s
      .all<Row>(
        'SELECT * FROM grant_requests WHERE (? IS NULL OR human = ?) AND (? IS NULL OR agent = ?) AND (? IS NULL OR status = ?) ORDER BY created_at DESC, id LIMIT ?',
        f.human ?? null,
        f.human ?? null,
        f.agent ?? null,
        f.agent ?? null,
        f.status ?? null,
        f.status ?? null,
        f.limit ?? 1000,
      )
      .map(requestFromRow);
  }
  async insert(g: GrantRequestRecord) {
    this.s.run(
      'INSERT INTO grant_requests (id, agent, human, scopes, purpose, duration_seconds, status, created_at, expires_at, decided_at, decided_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      g.id,
      g.agent,
      g.human,
      json(g.scopes),
      g.purpose,
      g.durationSeconds,
      g.status,
      g.createdAt,
      g.expiresAt,
      g.decidedAt,
      g.decidedBy,
      g.note,
    );
  }
  async transition(
    id: string,
    from: GrantRequestStatus,
    to: Pick<GrantRequestRecord, 'status'> &
      Partial<Pick<GrantRequestRecord, 'decidedAt' | 'decidedBy' | 'note'>>,
  ) {
    const r = this.s.run(
      'UPDATE grant_requests SET status = ?, decided_at = COALESCE(?, decided_at), decided_by = COALESCE(?, decided_by), note = COALESCE(?, note) WHERE id = ? AND status = ?',
      to.status,
      to.decidedAt ?? null,
      to.decidedBy ?? null,
      to.note ?? null,
      id,
      from,
    );
    return r.changes === 1;
  }
}

const sessionFromRow = (r: Row): HumanSessionRecord => ({
  idHash: r.id_hash as string,
  human: r.human as string,
  groups: parse(r.groups as string),
  method: r.method as HumanSessionRecord['method'],
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
});

export class SqliteHumanSessions implements HumanSessionReader, HumanSessionWriter {
  constructor(private readonly s: Statements) {}
  async get(idHash: string) {
    const r = this.s.one<Row>('SELECT * FROM human_sessions WHERE id_hash = ?', idHash);
    return r && sessionFromRow(r);
  }
  async insert(h: HumanSessionRecord) {
    this.s.run(
      'INSERT INTO human_sessions (id_hash, human, groups, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      h.idHash,
      h.human,
      json(h.groups),
      h.method,
      h.createdAt,
      h.expiresAt,
    );
  }
  async delete(idHash: string) {
    return this.s.run('DELETE FROM human_sessions WHERE id_hash = ?', idHash).changes === 1;
  }
  async deleteExpired(now: number) {
    return this.s.run('DELETE FROM human_sessions WHERE expires_at <= ?', now).changes;
  }
}
