import type {
  TaskSessionReader,
  TaskSessionRecord,
  TaskSessionWriter,
} from '../../core/store/index.js';
import { json, parse, type Statements } from './statements.js';

type Row = { task_id: string; highest_classification: string; data: string; updated_at: number };
type Data = Omit<TaskSessionRecord, 'taskId' | 'highestClassification' | 'updatedAt'>;

/** Task session state (migration 12): the taint in a column, the rest as JSON. */
export class SqliteTaskSessions implements TaskSessionReader, TaskSessionWriter {
  constructor(private readonly s: Statements) {}

  async get(taskId: string) {
    const r = this.s.one<Row>('SELECT * FROM task_sessions WHERE task_id = ?', taskId);
    if (!r) return undefined;
    // A row that does not parse throws: the caller treats an unreadable session as tainted.
    const d = parse<Data>(r.data);
    if (d === null || typeof d !== 'object')
      throw new Error(`task session \`${taskId}\` is damaged`);
    return {
      ...d,
      taskId: r.task_id,
      highestClassification: r.highest_classification,
      updatedAt: r.updated_at,
    };
  }

  async upsert(x: TaskSessionRecord) {
    const data: Data = {
      toolsCalled: x.toolsCalled,
      recentTools: x.recentTools,
      externalDestinations: x.externalDestinations,
      firstExternalAt: x.firstExternalAt,
      denials: x.denials,
      denialStreak: x.denialStreak,
      approvalsRequired: x.approvalsRequired,
      callCount: x.callCount,
      callsInWindow: x.callsInWindow,
      lastAt: x.lastAt,
    };
    // Only while the task is active, so that a late write never brings back an ended task's row.
    const r = this.s.run(
      `INSERT INTO task_sessions (task_id, highest_classification, data, updated_at)
         SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tasks WHERE id = ? AND status = 'active')
         ON CONFLICT (task_id) DO UPDATE SET highest_classification = excluded.highest_classification, data = excluded.data, updated_at = excluded.updated_at`,
      x.taskId,
      x.highestClassification,
      json(data),
      x.updatedAt,
      x.taskId,
    );
    return r.changes > 0;
  }

  async delete(taskId: string) {
    return this.s.run('DELETE FROM task_sessions WHERE task_id = ?', taskId).changes > 0;
  }
}
