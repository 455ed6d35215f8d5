import type Database from 'better-sqlite3';
import type { BatchState } from './batch-state.js';

interface Counter {
  count: number;
  lastRunAt: number | null;
  /** `last_run_at` before the latest run: the workflow row's `previous_run_at`. */
  previousRunAt: number | null;
}

/**
 * Each workflow's run number and last run time, kept in memory so a run's name (`WF-<id>-<n>`) and
 * `Data.Workflow.LastRunDate` are known before its INSERT commits (a drafted responsive run is written
 * long after it took its number), and written to the workflow's row once per group commit, not once
 * per run (`BatchState`). SQLite-only: one process owns the file. Memory only moves forward, and is
 * stored with `MAX`: a batch that fails keeps what it handed out (a drafted run that took a number
 * outside any batch still holds it), so a rolled-back run leaves a gap in the numbers, never a repeat.
 */
export class RunCounters implements BatchState {
  private readonly counters = new Map<number, Counter>();
  /** Workflows whose counter moved since the last commit. */
  private readonly changed = new Set<number>();
  private select: Database.Statement | undefined;
  private readonly store: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.store = db.prepare(`
      UPDATE workflows SET run_count = MAX(run_count, @count), previous_run_at = @previousRunAt, last_run_at = @lastRunAt
      WHERE id = @workflowId`);
  }

  /** The next run's number and the previous run's time; undefined when the workflow does not exist. */
  next(workflowId: number, now: number): { seq: number; previousRunAt: number | null } | undefined {
    let counter = this.counters.get(workflowId);
    if (!counter) {
      this.select ??= this.db.prepare('SELECT run_count, last_run_at FROM workflows WHERE id = ?');
      const row = this.select.get(workflowId) as { run_count: number; last_run_at: number | null } | undefined;
      if (!row) return undefined;
      counter = { count: row.run_count, lastRunAt: row.last_run_at, previousRunAt: null };
      this.counters.set(workflowId, counter);
    }
    const previousRunAt = counter.lastRunAt;
    counter.count += 1;
    counter.previousRunAt = previousRunAt;
    counter.lastRunAt = now;
    this.changed.add(workflowId);
    return { seq: counter.count, previousRunAt };
  }

  beginWrite(): void {}

  endWrite(): void {}

  /** Stores the counters that moved (a number taken by a write that rolled back stays spent: a gap). */
  beforeCommit(): void {
    for (const workflowId of this.changed) {
      const counter = this.counters.get(workflowId);
      if (counter) this.store.run({ workflowId, ...counter });
    }
    this.changed.clear();
  }

  /** Nothing is forgotten: the counters that moved are stored by the next batch that commits. */
  afterFailure(): void {
    for (const workflowId of this.counters.keys()) this.changed.add(workflowId);
  }
}
