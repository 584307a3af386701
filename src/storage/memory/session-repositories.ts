import type {
  TaskSessionReader,
  TaskSessionRecord,
  TaskSessionWriter,
} from '../../core/store/index.js';
import { copy, stored, type View } from './tables.js';

/** Task session state, as ../sqlite/session-repositories.ts keeps it. */
export class MemoryTaskSessions implements TaskSessionReader, TaskSessionWriter {
  constructor(private readonly v: View) {}

  async get(taskId: string) {
    return copy(this.v.table('taskSessions').get(taskId));
  }

  async upsert(x: TaskSessionRecord) {
    // Only while the task is active, so that a late write never brings back an ended task's row.
    if (this.v.table('tasks').get(x.taskId)?.status !== 'active') return false;
    this.v.write('taskSessions').set(x.taskId, stored(x));
    return true;
  }

  async delete(taskId: string) {
    return this.v.write('taskSessions').delete(taskId);
  }
}
