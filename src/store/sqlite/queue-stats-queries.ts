import type Database from 'better-sqlite3';
import type { QueueStats } from '../store.js';

/**
 * The queue as `/metrics` shows it, read at scrape time: task instances that could run now and since
 * when the oldest of them could. Both statements walk partial indexes (`task_instances_queued`,
 * `task_instances_due`), so a scrape costs O(instances waiting), not O(table).
 */
export class QueueStatsQueries {
  private readonly queued;
  private readonly due;

  constructor(db: Database.Database) {
    // A Queued instance has been claimable since it last changed (created, released or woken).
    this.queued = db.prepare<[], { n: number; oldest: number | null }>(
      "SELECT count(*) AS n, min(updated_at) AS oldest FROM task_instances WHERE status = 'Queued'",
    );
    this.due = db.prepare<[number], { n: number; oldest: number | null }>(
      "SELECT count(*) AS n, min(due_at) AS oldest FROM task_instances WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= ?",
    );
  }

  queueStats(now: number): QueueStats {
    const queued = this.queued.get() ?? { n: 0, oldest: null };
    const due = this.due.get(now) ?? { n: 0, oldest: null };
    const oldest = [queued.oldest, due.oldest].filter((t): t is number => t !== null);
    return {
      queued: queued.n,
      dueWaiting: due.n,
      oldestDueAt: oldest.length > 0 ? Math.min(...oldest) : null,
    };
  }
}
