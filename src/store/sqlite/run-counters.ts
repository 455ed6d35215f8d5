import type Database from 'better-sqlite3';

/**
 * Each workflow's run number and last run time, kept in memory so a run's name (`WF-<id>-<n>`) and
 * `Data.Workflow.LastRunDate` are known before its INSERT commits (the one-batch responsive path).
 * SQLite-only: one process owns the file. Reset when a batch fails to commit, so memory never runs
 * ahead of what is stored for long; a rolled-back run leaves a gap in the numbers, never a repeat.
 */
export class RunCounters {
  private readonly counters = new Map<number, { count: number; lastRunAt: number | null }>();
  private select: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {}

  /** The next run's number and the previous run's time; undefined when the workflow does not exist. */
  next(workflowId: number, now: number): { seq: number; previousRunAt: number | null } | undefined {
    let counter = this.counters.get(workflowId);
    if (!counter) {
      this.select ??= this.db.prepare('SELECT run_count, last_run_at FROM workflows WHERE id = ?');
      const row = this.select.get(workflowId) as { run_count: number; last_run_at: number | null } | undefined;
      if (!row) return undefined;
      counter = { count: row.run_count, lastRunAt: row.last_run_at };
      this.counters.set(workflowId, counter);
    }
    const previousRunAt = counter.lastRunAt;
    counter.count += 1;
    counter.lastRunAt = now;
    return { seq: counter.count, previousRunAt };
  }

  reset(): void {
    this.counters.clear();
  }
}
