import type {
  ApprovalReader,
  ApprovalRecord,
  ApprovalStatus,
  ApprovalWriter,
} from '../../core/store/index.js';
import { copy, insert, limit, orderBy, update, type View } from './tables.js';

/** Per-call approvals, as ../sqlite/approval-repositories.ts keeps them. */
export class MemoryApprovals implements ApprovalReader, ApprovalWriter {
  constructor(private readonly v: View) {}
  async get(id: string) {
    return copy(this.v.table('approvals').get(id));
  }
  async list(f: { status?: ApprovalStatus; agent?: string; taskId?: string; limit?: number } = {}) {
    const rows = this.v
      .table('approvals')
      .values()
      .filter(
        (a) =>
          (f.status === undefined || a.status === f.status) &&
          (f.agent === undefined || a.agent === f.agent) &&
          (f.taskId === undefined || a.taskId === f.taskId),
      );
    return newestFirst(rows, f.limit ?? 1000);
  }
  async findBound(
    b: { agent: string; taskId: string; target: string; argumentsDigest: string },
    status: ApprovalStatus,
  ) {
    const rows = this.v
      .table('approvals')
      .values()
      .filter(
        (a) =>
          a.agent === b.agent &&
          a.taskId === b.taskId &&
          a.target === b.target &&
          a.argumentsDigest === b.argumentsDigest &&
          a.status === status,
      );
    return newestFirst(rows, undefined);
  }
  async insert(a: ApprovalRecord) {
    insert(this.v.write('approvals'), a.id, a);
  }
  async transition(
    id: string,
    from: ApprovalStatus,
    to: Pick<ApprovalRecord, 'status'> &
      Partial<Pick<ApprovalRecord, 'decidedAt' | 'decidedBy' | 'usedAt' | 'note'>>,
  ) {
    // INVARIANT: only from `from`, so single use holds (one transaction at a time).
    if (this.v.table('approvals').get(id)?.status !== from) return false;
    return update(this.v.write('approvals'), id, (old) => ({
      ...old,
      status: to.status,
      decidedAt: to.decidedAt ?? old.decidedAt,
      decidedBy: to.decidedBy ?? old.decidedBy,
      usedAt: to.usedAt ?? old.usedAt,
      note: to.note ?? old.note,
    }));
  }
}

function newestFirst(rows: ApprovalRecord[], n: number | undefined): ApprovalRecord[] {
  return limit(orderBy(rows, [(a) => a.createdAt, -1], [(a) => a.id]), n).map((a) => copy(a));
}
