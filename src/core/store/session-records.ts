/**
 * The persisted shape of a task's session state (src/session/session-state.ts): what the
 * decision point has seen of one task, kept so that a task pushed out of the in-memory cache or
 * a restart does not start over untainted. Plain data, epoch milliseconds, like ./records.ts.
 * The classification is a string here; the session domain checks it when it reads the record.
 */
export interface TaskSessionRecord {
  taskId: string;
  /** The taint: the highest classification an allowed call of the task returned. */
  highestClassification: string;
  /** Distinct tools allowed, in order of first call. */
  toolsCalled: string[];
  /** The last allowed tool ids, repeats included, oldest first. */
  recentTools: string[];
  /** Distinct external hosts reached, in first-contact order. */
  externalDestinations: string[];
  firstExternalAt: number | null;
  denials: number;
  denialStreak: number;
  approvalsRequired: number;
  callCount: number;
  /** Decision times in the sliding window, oldest first. */
  callsInWindow: number[];
  lastAt: number | null;
  updatedAt: number;
}

export interface TaskSessionReader {
  /** The stored session of a task, or undefined. Throws when the row cannot be read back. */
  get(taskId: string): Promise<TaskSessionRecord | undefined>;
}

export interface TaskSessionWriter {
  /**
   * Inserts or replaces a task's session, only while the task is active: a write that arrives
   * after the task ended or expired changes nothing. True when it was written.
   */
  upsert(session: TaskSessionRecord): Promise<boolean>;
  /** True when it existed. */
  delete(taskId: string): Promise<boolean>;
}
