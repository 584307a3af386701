import type {
  ApprovalReader,
  ApprovalRecord,
  ApprovalStatus,
  ApprovalWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = Record<string, unknown>;

const fromRow = (r: Row): ApprovalRecord => ({
  id: r.id as string,
  agent: r.agent as string,
  taskId: r.task_id as string,
  target: r.target as string,
  argumentsDigest: r.arguments_digest as string,
  policySetVersion: r.policy_set_version as string,
  decisionId: r.decision_id as string,
  reasons: parse(r.reasons as string),
  audience: r.audience as string,
  status: r.status as ApprovalStatus,
  createdAt: r.created_at as number,
  expiresAt: r.expires_at as number,
  decidedAt: (r.decided_at as number | null) ?? null,
  decidedBy: (r.decided_by as string | null) ?? null,
  usedAt: (r.used_at as number | null) ?? null,
  note: (r.note as string | null) ?? null,
});

export class SqliteApprovals implements ApprovalReader, ApprovalWriter {
  constructor(private readonly s: Statements) {}
  async get(id: string) {
    const r = this.s.one<Row>('SELECT * FROM approvals WHERE id = ?', id);
    return r && fromRow(r);
  }
  async list(f: { status?: ApprovalStatus; agent?: string; taskId?: string; limit?: number } = {}) {
    return this.s
      .all<Row>(
        'SELECT * FROM approvals WHERE (? IS NULL OR status = ?) AND (? IS NULL OR agent = ?) AND (? IS NULL OR task_id = ?) ORDER BY created_at DESC, id LIMIT ?',
        f.status ?? null,
        f.status ?? null,
        f.agent ?? null,
        f.agent ?? null,
        f.taskId ?? null,
        f.taskId ?? null,
        f.limit ?? 1000,
      )
      .map(fromRow);
  }
  async findBound(
    b: { agent: string; taskId: string; target: string; argumentsDigest: string },
    status: ApprovalStatus,
  ) {
    return this.s
      .all<Row>(
        'SELECT * FROM approvals WHERE agent = ? AND task_id = ? AND target = ? AND arguments_digest = ? AND status = ? ORDER BY created_at DESC, id',
        b.agent,
        b.taskId,
        b.target,
        b.argumentsDigest,
        status,
      )
      .map(fromRow);
  }
  async insert(a: ApprovalRecord) {
    this.s.run(
      'INSERT INTO approvals (id, agent, task_id, target, arguments_digest, policy_set_version, decision_id, reasons, audience, status, created_at, expires_at, decided_at, decided_by, used_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      a.id,
      a.agent,
      a.taskId,
      a.target,
      a.argumentsDigest,
      a.policySetVersion,
      a.decisionId,
      json(a.reasons),
      a.audience,
      a.status,
      a.createdAt,
      a.expiresAt,
      a.decidedAt,
      a.decidedBy,
      a.usedAt,
      a.note,
    );
  }
  async transition(
    id: string,
    from: ApprovalStatus,
    to: Pick<ApprovalRecord, 'status'> &
      Partial<Pick<ApprovalRecord, 'decidedAt' | 'decidedBy' | 'usedAt' | 'note'>>,
  ) {
    const r = this.s.run(
      'UPDATE approvals SET status = ?, decided_at = COALESCE(?, decided_at), decided_by = COALESCE(?, decided_by), used_at = COALESCE(?, used_at), note = COALESCE(?, note) WHERE id = ? AND status = ?',
      to.status,
      to.decidedAt ?? null,
      to.decidedBy ?? null,
      to.usedAt ?? null,
      to.note ?? null,
      id,
      from,
    );
    return r.changes === 1;
  }
}
