import type {
  OAuthClientReader,
  OAuthClientRecord,
  OAuthClientWriter,
  RegistrationTokenReader,
  RegistrationTokenRecord,
  RegistrationTokenWriter,
} from '../../core/store/index.js';
import { conflict, copy, insert, limit, orderBy, stored, update, type View } from './tables.js';

/** OAuth clients and registration tokens, as ../sqlite/client-repositories.ts keeps them. */
export class MemoryOAuthClients implements OAuthClientReader, OAuthClientWriter {
  constructor(private readonly v: View) {}

  async get(clientId: string) {
    return copy(this.v.table('oauthClients').get(clientId));
  }

  async getById(id: string) {
    return copy(
      this.v
        .table('oauthClients')
        .values()
        .find((c) => c.id === id),
    );
  }

  async list(
    f: {
      status?: OAuthClientRecord['status'];
      owner?: string;
      kind?: OAuthClientRecord['kind'];
    } = {},
  ) {
    const rows = this.v
      .table('oauthClients')
      .values()
      .filter(
        (c) =>
          (f.status === undefined || c.status === f.status) &&
          (f.owner === undefined || c.owner === f.owner) &&
          (f.kind === undefined || c.kind === f.kind),
      );
    return orderBy(rows, [(c) => c.createdAt], [(c) => c.clientId]).map((c) => copy(c));
  }

  async insert(c: OAuthClientRecord) {
    const table = this.v.write('oauthClients');
    // The id is UNIQUE, as in SQLite.
    if (table.values().some((x) => x.id === c.id)) throw conflict();
    insert(table, c.clientId, c);
  }

  async update(c: OAuthClientRecord) {
    // As the SQLite UPDATE: everything but the client_id, id, kind and creation time.
    update(this.v.write('oauthClients'), c.clientId, (old) => ({
      ...c,
      clientId: old.clientId,
      id: old.id,
      kind: old.kind,
      createdAt: old.createdAt,
    }));
  }

  async deleteUnclaimed(before: number, n: number) {
    const table = this.v.write('oauthClients');
    const doomed = limit(
      orderBy(
        table
          .values()
          .filter((c) => c.owner === null && c.kind === 'registered' && c.createdAt < before),
        [(c) => c.createdAt],
        [(c) => c.clientId],
      ),
      n,
    );
    for (const c of doomed) table.delete(c.clientId);
    return doomed.length;
  }
}

export class MemoryRegistrationTokens implements RegistrationTokenReader, RegistrationTokenWriter {
  constructor(private readonly v: View) {}

  async get(hash: string) {
    return copy(this.v.table('registrationTokens').get(hash));
  }

  async insert(t: RegistrationTokenRecord) {
    insert(this.v.write('registrationTokens'), t.hash, t);
  }

  async consume(hash: string, now: number) {
    const table = this.v.write('registrationTokens');
    const t = table.get(hash);
    if (!t || t.usesLeft <= 0 || t.expiresAt <= now) return undefined;
    const after = { ...t, usesLeft: t.usesLeft - 1 };
    table.set(hash, stored(after));
    return copy(after);
  }

  async deleteExpired(before: number) {
    const table = this.v.write('registrationTokens');
    const doomed = table.values().filter((t) => t.expiresAt < before);
    for (const t of doomed) table.delete(t.hash);
    return doomed.length;
  }
}
