import type { SsfStreamReader, SsfStreamRecord, SsfStreamWriter } from '../../core/store/index.js';
import { copy, insert, orderBy, update, type View } from './tables.js';

/** SSF streams, as ../sqlite/ssf-repositories.ts keeps them. */
export class MemorySsfStreams implements SsfStreamReader, SsfStreamWriter {
  constructor(private readonly v: View) {}

  async get(id: string) {
    return copy(this.v.table('ssfStreams').get(id));
  }

  async list() {
    return orderBy(this.v.table('ssfStreams').values(), [(x) => x.createdAt], [(x) => x.id]).map(
      (x) => copy(x),
    );
  }

  async insert(x: SsfStreamRecord) {
    insert(this.v.write('ssfStreams'), x.id, x);
  }

  async update(x: SsfStreamRecord) {
    // As the SQLite UPDATE: everything but the id and the creation time.
    update(this.v.write('ssfStreams'), x.id, (old) => ({
      ...x,
      id: old.id,
      createdAt: old.createdAt,
    }));
  }

  async delete(id: string) {
    return this.v.write('ssfStreams').delete(id);
  }
}
