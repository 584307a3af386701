import type {
  GrantRequestReader,
  GrantRequestRecord,
  GrantRequestStatus,
  GrantRequestWriter,
  HumanSessionReader,
  HumanSessionRecord,
  HumanSessionWriter,
} from '../../core/store/index.js';
import { copy, deleteWhere, insert, limit, orderBy, update, type View } from './tables.js';

/** Agents' grant requests and humans' sessions, as ../sqlite/human-repositories.ts keeps them. */

export class MemoryGrantRequests implements GrantRequestReader, GrantRequestWriter {
  constructor(private readonly v: View) {}
  async get(id: string) {
    return copy(this.v.table('grantRequests').get(id));
  }
  async list(
    f: { human?: string; agent?: string; status?: GrantRequestStatus; limit?: number } = {},
  ) {
    const rows = this.v
      .table('grantRequests')
      .values()
      .filter(
        (r) =>
          (f.human === undefined || r.human === f.human) &&
          (f.agent === undefined || r.agent === f.agent) &&
          (f.status === undefined || r.status === f.status),
      );
    return limit(orderBy(rows, [(r) => r.createdAt, -1], [(r) => r.id]), f.limit ?? 1000).map((r) =>
      copy(r),
    );
  }
  async insert(g: GrantRequestRecord) {
    insert(this.v.write('grantRequests'), g.id, g);
  }
  async transition(
    id: string,
    from: GrantRequestStatus,
    to: Pick<GrantRequestRecord, 'status'> &
      Partial<Pick<GrantRequestRecord, 'decidedAt' | 'decidedBy' | 'note'>>,
  ) {
    if (this.v.table('grantRequests').get(id)?.status !== from) return false;
    return update(this.v.write('grantRequests'), id, (old) => ({
      ...old,
      status: to.status,
      decidedAt: to.decidedAt ?? old.decidedAt,
      decidedBy: to.decidedBy ?? old.decidedBy,
      note: to.note ?? old.note,
    }));
  }
}

export class MemoryHumanSessions implements HumanSessionReader, HumanSessionWriter {
  constructor(private readonly v: View) {}
  async get(idHash: string) {
    return copy(this.v.table('humanSessions').get(idHash));
  }
  async insert(h: HumanSessionRecord) {
    insert(this.v.write('humanSessions'), h.idHash, h);
  }
  async delete(idHash: string) {
    return this.v.write('humanSessions').delete(idHash);
  }
  async deleteExpired(now: number) {
    return deleteWhere(this.v.write('humanSessions'), (h) => h.expiresAt <= now);
  }
}
