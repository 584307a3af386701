import type {
  SecretReader,
  SecretRecord,
  SecretVersionRecord,
  SecretWriter,
} from '../../core/store/index.js';
import { copy, deleteWhere, foreignKey, insert, orderBy, stored, type View } from './tables.js';

const versionKey = (id: string, version: number) => `${id}\0${version}`;

/** Brokered secrets' metadata and their encrypted versions, as ../sqlite/secret-repositories.ts keeps them. */
export class MemorySecrets implements SecretReader, SecretWriter {
  constructor(private readonly v: View) {}
  async get(id: string) {
    return copy(this.v.table('secrets').get(id));
  }
  async list(filter: { includeDeleted?: boolean } = {}) {
    const rows = this.v
      .table('secrets')
      .values()
      .filter((x) => filter.includeDeleted || x.status !== 'deleted');
    return orderBy(rows, [(x) => x.id]).map((x) => copy(x));
  }
  async getVersion(id: string, version: number) {
    return copy(this.v.table('secretVersions').get(versionKey(id, version)));
  }
  async listVersions(id: string) {
    const rows = this.v
      .table('secretVersions')
      .values()
      .filter((x) => x.secretId === id);
    return orderBy(rows, [(x) => x.version]).map((x) => copy(x));
  }
  async upsert(x: SecretRecord) {
    this.v.write('secrets').set(x.id, stored(x));
  }
  async insertVersion(x: SecretVersionRecord) {
    if (!this.v.table('secrets').has(x.secretId)) throw foreignKey(`secret \`${x.secretId}\``);
    insert(this.v.write('secretVersions'), versionKey(x.secretId, x.version), x);
  }
  async deleteVersions(id: string) {
    return deleteWhere(this.v.write('secretVersions'), (x) => x.secretId === id);
  }
}
