import type {
  SecretReader,
  SecretRecord,
  SecretVersionRecord,
  SecretWriter,
} from '../../core/store/index.js';
import type { Statements } from './statements.js';

type Row = Record<string, unknown>;

const secretFromRow = (r: Row): SecretRecord => ({
  id: r.id as string,
  description: r.description as string,
  type: r.type as string,
  status: r.status as SecretRecord['status'],
  currentVersion: r.current_version as number,
  createdAt: r.created_at as number,
  createdBy: r.created_by as string,
  updatedAt: r.updated_at as number,
  updatedBy: r.updated_by as string,
});

const versionFromRow = (r: Row): SecretVersionRecord => ({
  secretId: r.secret_id as string,
  version: r.version as number,
  wrappedKey: r.wrapped_key as string,
  ciphertext: r.ciphertext as string,
  createdAt: r.created_at as number,
  createdBy: r.created_by as string,
});

export class SqliteSecrets implements SecretReader, SecretWriter {
  constructor(private readonly s: Statements) {}
  async get(id: string) {
    const r = this.s.one<Row>('SELECT * FROM secrets WHERE id = ?', id);
    return r && secretFromRow(r);
  }
  async list(filter: { includeDeleted?: boolean } = {}) {
    const sql = filter.includeDeleted
      ? 'SELECT * FROM secrets ORDER BY id'
      : "SELECT * FROM secrets WHERE status <> 'deleted' ORDER BY id";
    return this.s.all<Row>(sql).map(secretFromRow);
  }
  async getVersion(id: string, version: number) {
    const r = this.s.one<Row>(
      'SELECT * FROM secret_versions WHERE secret_id = ? AND version = ?',
      id,
      version,
    );
    return r && versionFromRow(r);
  }
  async listVersions(id: string) {
    return this.s
      .all<Row>('SELECT * FROM secret_versions WHERE secret_id = ? ORDER BY version', id)
      .map(versionFromRow);
  }
  async upsert(x: SecretRecord) {
    this.s.run(
      `INSERT INTO secrets (id, description, type, status, current_version, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET description = excluded.description, type = excluded.type, status = excluded.status, current_version = excluded.current_version,
         created_at = excluded.created_at, created_by = excluded.created_by, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      x.id,
      x.description,
      x.type,
      x.status,
      x.currentVersion,
      x.createdAt,
      x.createdBy,
      x.updatedAt,
      x.updatedBy,
    );
  }
  async insertVersion(v: SecretVersionRecord) {
    this.s.run(
      'INSERT INTO secret_versions (secret_id, version, wrapped_key, ciphertext, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
      v.secretId,
      v.version,
      v.wrappedKey,
      v.ciphertext,
      v.createdAt,
      v.createdBy,
    );
  }
  async deleteVersions(id: string) {
    return this.s.run('DELETE FROM secret_versions WHERE secret_id = ?', id).changes;
  }
}
