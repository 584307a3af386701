import type {
  PolicySetReader,
  PolicySetRecord,
  PolicySetWriter,
  ToolServerReader,
  ToolServerRecord,
  ToolServerWriter,
} from '../../core/store/index.js';
import { conflict, copy, insert, orderBy, stored, update, type View } from './tables.js';

/** Policy sets and the tool catalog, as ../sqlite/policy-repositories.ts keeps them. */

export class MemoryPolicySets implements PolicySetReader, PolicySetWriter {
  constructor(private readonly v: View) {}
  async get(version: number) {
    return copy(this.v.table('policySets').get(version));
  }
  async list() {
    return orderBy(this.v.table('policySets').values(), [(p) => p.version]).map((p) => copy(p));
  }
  async active() {
    return copy(this.#active());
  }
  async latestVersion() {
    return Math.max(
      0,
      ...this.v
        .table('policySets')
        .values()
        .map((p) => p.version),
    );
  }
  async insert(p: PolicySetRecord) {
    // INVARIANT: at most one active policy set (SQLite's partial unique index).
    if (p.status === 'active' && this.#active()) throw conflict();
    insert(this.v.write('policySets'), p.version, p);
  }
  async setActive(version: number, at: number) {
    const sets = this.v.write('policySets');
    if (!sets.has(version)) return false;
    for (const p of sets.values())
      if (p.status === 'active' && p.version !== version)
        update(sets, p.version, (old) => ({ ...old, status: 'inactive' as const }));
    return update(sets, version, (old) => ({ ...old, status: 'active' as const, activatedAt: at }));
  }
  #active() {
    return this.v
      .table('policySets')
      .values()
      .find((p) => p.status === 'active');
  }
}

export class MemoryToolServers implements ToolServerReader, ToolServerWriter {
  constructor(private readonly v: View) {}
  async get(server: string) {
    return copy(this.v.table('toolServers').get(server));
  }
  async list() {
    return orderBy(this.v.table('toolServers').values(), [(t) => t.server]).map((t) => copy(t));
  }
  async upsert(t: ToolServerRecord) {
    this.v.write('toolServers').set(t.server, stored(t));
  }
  async delete(server: string) {
    return this.v.write('toolServers').delete(server);
  }
}
