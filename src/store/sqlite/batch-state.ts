/**
 * State a group commit gathers from its writes and stores once, just before its COMMIT: counters that
 * every write would otherwise update row by row (the day's task usage, a workflow's run count), where
 * one hot row updated per write costs more than the write itself. The `WriteBatcher` calls these
 * around each write's savepoint, so what a rolled-back write counted is forgotten with it.
 */
export interface BatchState {
  /** A write of the batch begins (its savepoint is set). */
  beginWrite(): void;
  /** The write ended: kept (released) or rolled back to its savepoint. */
  endWrite(isKept: boolean): void;
  /** Inside the batch's transaction, before COMMIT: write what the batch gathered. */
  beforeCommit(): void;
  /** The batch did not commit: forget what it gathered. */
  afterFailure(): void;
}
