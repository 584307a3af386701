import type { SignalReader, SignalRecord, SignalWriter } from '../../core/store/index.js';
import { copy, deleteWhere, insert, limit, orderBy, type View } from './tables.js';

/** Live risk signals, as ../sqlite/signal-repositories.ts keeps them. */
export class MemorySignals implements SignalReader, SignalWriter {
  constructor(private readonly v: View) {}

  async listRecent(n: number) {
    const newest = limit(
      orderBy(this.v.table('signals').values(), [(x) => x.at, -1], [(x) => x.id, -1]),
      n,
    );
    return orderBy(newest, [(x) => x.at], [(x) => x.id]).map((x) => copy(x));
  }

  async listForRestore(now: number, n: number) {
    // One per task, agent, risk and responses: the one that expires last (the first such, as
    // SQLite's MAX() picks its row's other columns).
    const groups = new Map<string, SignalRecord>();
    for (const x of this.v.table('signals').values()) {
      const key = JSON.stringify([x.task, x.agent, x.risk, x.responses]);
      const held = groups.get(key);
      if (!held || x.expiresAt > held.expiresAt) groups.set(key, x);
    }
    const chosen = limit(
      orderBy(
        [...groups.values()],
        [(x) => (x.expiresAt > now ? 1 : 0), -1],
        [(x) => (x.risk > 0 || x.responses.length > 0 ? 1 : 0), -1],
        [(x) => x.risk, -1],
        [(x) => x.expiresAt, -1],
      ),
      n,
    );
    return orderBy(chosen, [(x) => x.at], [(x) => x.id]).map((x) => copy(x));
  }

  async insert(x: SignalRecord) {
    insert(this.v.write('signals'), x.id, x);
  }

  async deleteExpired(now: number) {
    return deleteWhere(this.v.write('signals'), (x) => x.expiresAt <= now);
  }
}
