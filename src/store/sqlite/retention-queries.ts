import type Database from 'better-sqlite3';
import type { RetentionBatch } from '../store-versions-schedules.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Runs looked at per batch; their task instances go first, up to the batch's row budget. */
const RUNS_PER_BATCH = 100;

/**
 * Retention (`delete_ttl` days, from each workflow's current version) on SQLite. A finished run goes
 * with its task instances once it has been finished for `delete_ttl` days and none of its task
 * instances is live (a rerun may have queued one). Each call is one small transaction.
 */
export class RetentionQueries {
  private readonly selectExpiredRuns;
  private readonly deleteItemsOf;
  private readonly deleteInstancesOf;
  private readonly deleteEmptyRuns;
  private readonly deleteInputsOfGoneRuns;
  private readonly deleteOldFires;
  private readonly selectNextExpiry;

  constructor(db: Database.Database) {
    // CROSS JOIN keeps this order: from the few workflows with a TTL to each one's expired runs, a range
    // of runs_finished. Left to choose, SQLite walked every finished run (runs_by_status) and looked up
    // its workflow's TTL: 57 ms per pass on 100,000 finished runs none of which had expired yet.
    this.selectExpiredRuns = db.prepare(`
      SELECT r.id FROM current_versions c
      JOIN versions v ON v.id = c.version_id
      CROSS JOIN runs r ON r.workflow_id = c.workflow_id
      WHERE v.delete_ttl IS NOT NULL
        AND r.status IN ('Finished', 'Stopped')
        AND r.finished_at < @now - v.delete_ttl * @dayMs
        AND NOT EXISTS (SELECT 1 FROM task_instances ti
                        WHERE ti.run_id = r.id AND ti.status IN ('Queued', 'Processing', 'Pending'))
      LIMIT @limit`);
    // The items of the runs' Iterates first: they are found through their task instances.
    this.deleteItemsOf = db.prepare(`
      DELETE FROM iteration_items WHERE rowid IN (
        SELECT i.rowid FROM task_instances t JOIN iteration_items i ON i.iterate_id = t.id
        WHERE t.run_id IN (SELECT value FROM json_each(@runIds)) AND t.action_type = 'Iterate'
        LIMIT @limit)`);
    this.deleteInstancesOf = db.prepare(`
      DELETE FROM task_instances WHERE id IN (
        SELECT id FROM task_instances WHERE run_id IN (SELECT value FROM json_each(@runIds)) LIMIT @limit)`);
    this.deleteEmptyRuns = db.prepare(`
      DELETE FROM runs WHERE id IN (SELECT value FROM json_each(@runIds))
        AND NOT EXISTS (SELECT 1 FROM task_instances ti WHERE ti.run_id = runs.id)`);
    // Large inputs kept apart (run-columns.ts) go with their run.
    this.deleteInputsOfGoneRuns = db.prepare(`
      DELETE FROM run_inputs WHERE run_id IN (SELECT value FROM json_each(@runIds))
        AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = run_inputs.run_id)`);
    // A workflow's latest fire stays: the scheduler counts from it.
    this.deleteOldFires = db.prepare(`
      DELETE FROM schedule_fires WHERE rowid IN (
        SELECT f.rowid FROM schedule_fires f
        JOIN current_versions c ON c.workflow_id = f.workflow_id
        JOIN versions v ON v.id = c.version_id
        WHERE v.delete_ttl IS NOT NULL
          AND f.scheduled_at < @now - v.delete_ttl * @dayMs
          AND f.scheduled_at < (SELECT max(scheduled_at) FROM schedule_fires l WHERE l.workflow_id = f.workflow_id)
        LIMIT @limit)`);
    this.selectNextExpiry = db.prepare(`
      SELECT min((SELECT min(r.finished_at) FROM runs r
                  WHERE r.workflow_id = c.workflow_id AND r.status IN ('Finished', 'Stopped'))
                 + v.delete_ttl * @dayMs) AS due
      FROM current_versions c JOIN versions v ON v.id = c.version_id
      WHERE v.delete_ttl IS NOT NULL`);
  }

  /** Deletes at most `maxRows` rows: task instances of expired runs, then the runs, then old schedule fires. */
  deleteExpired(now: number, maxRows: number): RetentionBatch {
    const runIds = (
      this.selectExpiredRuns.all({ now, dayMs: DAY_MS, limit: RUNS_PER_BATCH }) as Array<{ id: number }>
    ).map((row) => row.id);
    const batch: RetentionBatch = { runs: 0, taskInstances: 0, iterationItems: 0, scheduleFires: 0, hasMore: false };
    const ids = JSON.stringify(runIds);
    if (runIds.length > 0) {
      // Room is kept for the runs themselves, so a batch stays within `maxRows`.
      const budget = Math.max(1, maxRows - runIds.length);
      batch.iterationItems = this.deleteItemsOf.run({ runIds: ids, limit: budget }).changes;
      if (batch.iterationItems < budget) {
        batch.taskInstances = this.deleteInstancesOf.run({ runIds: ids, limit: budget - batch.iterationItems }).changes;
        if (batch.iterationItems + batch.taskInstances < budget) {
          batch.runs = this.deleteEmptyRuns.run({ runIds: ids }).changes;
          this.deleteInputsOfGoneRuns.run({ runIds: ids });
        }
      }
    }
    const left = maxRows - batch.iterationItems - batch.taskInstances - batch.runs;
    if (left > 0) batch.scheduleFires = this.deleteOldFires.run({ now, dayMs: DAY_MS, limit: left }).changes;
    batch.hasMore = runIds.length > 0 || batch.scheduleFires === left;
    return batch;
  }

  nextExpiry(): number | null {
    return (this.selectNextExpiry.get({ dayMs: DAY_MS }) as { due: number | null }).due;
  }
}
