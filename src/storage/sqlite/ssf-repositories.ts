import type {
  SsfDelivery,
  SsfStreamReader,
  SsfStreamRecord,
  SsfStreamStatus,
  SsfStreamWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = {
  id: string;
  audience: string;
  events_requested: string;
  delivery: string;
  description: string | null;
  status: string;
  status_reason: string | null;
  receiver_token_sha256: string | null;
  created_at: number;
  updated_at: number;
};

const fromRow = (r: Row): SsfStreamRecord => ({
  id: r.id,
  audience: parse<string[]>(r.audience),
  eventsRequested: parse<string[]>(r.events_requested),
  delivery: parse<SsfDelivery>(r.delivery),
  description: r.description,
  status: r.status as SsfStreamStatus,
  statusReason: r.status_reason,
  receiverTokenHash: r.receiver_token_sha256,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** SSF streams (migrations 9 and 10). */
export class SqliteSsfStreams implements SsfStreamReader, SsfStreamWriter {
  constructor(private readonly s: Statements) {}

  async get(id: string) {
    const r = this.s.one<Row>('SELECT * FROM ssf_streams WHERE id = ?', id);
    return r ? fromRow(r) : undefined;
  }

  async list() {
    return this.s.all<Row>('SELECT * FROM ssf_streams ORDER BY created_at, id').map(fromRow);
  }

  async insert(x: SsfStreamRecord) {
    this.s.run(
      'INSERT INTO ssf_streams (id, audience, events_requested, delivery, description, status, status_reason, receiver_token_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      x.id,
      json(x.audience),
      json(x.eventsRequested),
      json(x.delivery),
      x.description,
      x.status,
      x.statusReason,
      x.receiverTokenHash,
      x.createdAt,
      x.updatedAt,
    );
  }

  async update(x: SsfStreamRecord) {
    this.s.run(
      'UPDATE ssf_streams SET audience = ?, events_requested = ?, delivery = ?, description = ?, status = ?, status_reason = ?, receiver_token_sha256 = ?, updated_at = ? WHERE id = ?',
      json(x.audience),
      json(x.eventsRequested),
      json(x.delivery),
      x.description,
      x.status,
      x.statusReason,
      x.receiverTokenHash,
      x.updatedAt,
      x.id,
    );
  }

  async delete(id: string) {
    return this.s.run('DELETE FROM ssf_streams WHERE id = ?', id).changes > 0;
  }
}
