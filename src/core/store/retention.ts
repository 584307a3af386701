/**
 * What retention may delete (docs/operations.md): records that are over — expired, ended, used
 * or decided — and stayed over past a cutoff the caller computes. Each kind names a table family.
 */
export type PrunableKind =
  | 'task_tokens'
  | 'tasks'
  | 'credentials'
  | 'join_tokens'
  | 'approvals'
  | 'grant_requests'
  | 'grants'
  | 'human_sessions'
  | 'replay'
  | 'signals';

/** The order a run prunes in: a task goes only after its tokens. */
export const PRUNABLE_KINDS: readonly PrunableKind[] = [
  'task_tokens',
  'tasks',
  'credentials',
  'join_tokens',
  'approvals',
  'grant_requests',
  'grants',
  'human_sessions',
  'replay',
  'signals',
];

/** The archived part of the audit log: events up to `seq` live in files, sealed by a checkpoint of `hash`. */
export interface AuditArchiveMark {
  seq: number;
  hash: string;
  /** The archive file name (without extension) that ends at `seq`. */
  file: string;
}

export interface RetentionWriter {
  /**
   * Deletes at most `limit` records of `kind` that are over (expired, used or decided; a task
   * ended or expired) and whose expiry is before `before`, with what hangs off them (a token's delegation edges; a task's session through its
   * foreign key). A task goes only when none of its tokens is left. Returns how many.
   */
  prune(kind: PrunableKind, before: number, limit: number): Promise<number>;
  /**
   * Deletes at most `limit` audit events with seq < `seq`, and the checkpoints before `seq`.
   * INVARIANT: only called for a `seq` already archived and sealed by a kept checkpoint, so the
   * live chain always starts at a signed, archived event. Returns how many events.
   */
  pruneAudit(seq: number, limit: number): Promise<number>;
}
