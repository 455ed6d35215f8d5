import type { RetentionBatch } from '../store-versions-schedules.js';
import type { Sql } from './database.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Runs looked at per batch; their task instances go first, up to the batch's row budget. */
const RUNS_PER_BATCH = 100;
/** The advisory lock that keeps retention on one node at a time ("weir-ret"). */
const RETENTION_LOCK_KEY = 0x7765697252;

/**
 * Deletes at most `maxRows` rows (inside the caller's transaction): task instances of expired runs,
 * then the runs, then old schedule fires. One node at a time: a node that finds another one deleting
 * does nothing this time (and is told there is no more, so it sleeps until the next expiry).
 */
export async function deleteExpiredRuns(sql: Sql, now: number, maxRows: number): Promise<RetentionBatch> {
  const batch: RetentionBatch = { runs: 0, taskInstances: 0, iterationItems: 0, scheduleFires: 0, hasMore: false };
  const { rows: locks } = await sql.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
    RETENTION_LOCK_KEY,
  ]);
  if (!locks[0]?.locked) return batch;
  const { rows } = await sql.query<{ id: number }>(
    `SELECT r.id FROM current_versions c
     JOIN versions v ON v.id = c.version_id
     JOIN runs r ON r.workflow_id = c.workflow_id
     WHERE v.delete_ttl IS NOT NULL
       AND r.status IN ('Finished', 'Stopped')
       AND r.finished_at < $1 - v.delete_ttl * $2
       AND NOT EXISTS (SELECT 1 FROM task_instances ti
                       WHERE ti.run_id = r.id AND ti.status IN ('Queued', 'Processing', 'Pending'))
     LIMIT $3`,
    [now, DAY_MS, RUNS_PER_BATCH],
  );
  const runIds = rows.map((row) => row.id);
  if (runIds.length > 0) {
    // Room is kept for the runs themselves, so a batch stays within `maxRows`.
    const budget = Math.max(1, maxRows - runIds.length);
    // The items of the runs' Iterates first: they are found through their task instances.
    const items = await sql.query(
      `DELETE FROM iteration_items WHERE (iterate_id, idx) IN (
         SELECT i.iterate_id, i.idx FROM task_instances t JOIN iteration_items i ON i.iterate_id = t.id
         WHERE t.run_id = ANY($1::bigint[]) AND t.action_type = 'Iterate' LIMIT $2)`,
      [runIds, budget],
    );
    batch.iterationItems = items.rowCount ?? 0;
    const instances =
      batch.iterationItems < budget
        ? await sql.query(
            `DELETE FROM task_instances WHERE id IN (
               SELECT id FROM task_instances WHERE run_id = ANY($1::bigint[]) LIMIT $2)`,
            [runIds, budget - batch.iterationItems],
          )
        : { rowCount: 0 };
    batch.taskInstances = instances.rowCount ?? 0;
    if (batch.iterationItems + batch.taskInstances < budget) {
      const runs = await sql.query(
        `DELETE FROM runs WHERE id = ANY($1::bigint[])
           AND NOT EXISTS (SELECT 1 FROM task_instances ti WHERE ti.run_id = runs.id)`,
        [runIds],
      );
      batch.runs = runs.rowCount ?? 0;
    }
  }
  const left = maxRows - batch.iterationItems - batch.taskInstances - batch.runs;
  if (left > 0) {
    // A workflow's latest fire stays: the scheduler counts from it.
    const fires = await sql.query(
      `DELETE FROM schedule_fires WHERE (workflow_id, scheduled_at) IN (
         SELECT f.workflow_id, f.scheduled_at FROM schedule_fires f
         JOIN current_versions c ON c.workflow_id = f.workflow_id
         JOIN versions v ON v.id = c.version_id
         WHERE v.delete_ttl IS NOT NULL
           AND f.scheduled_at < $1 - v.delete_ttl * $2
           AND f.scheduled_at < (SELECT max(scheduled_at) FROM schedule_fires l WHERE l.workflow_id = f.workflow_id)
         LIMIT $3)`,
      [now, DAY_MS, left],
    );
    batch.scheduleFires = fires.rowCount ?? 0;
  }
  batch.hasMore = runIds.length > 0 || batch.scheduleFires === left;
  return batch;
}

/** When the next finished run passes its workflow's `delete_ttl`, or null when none will. */
export async function nextRunExpiry(sql: Sql): Promise<number | null> {
  const { rows } = await sql.query<{ due: number | null }>(
    `SELECT min((SELECT min(r.finished_at) FROM runs r
                 WHERE r.workflow_id = c.workflow_id AND r.status IN ('Finished', 'Stopped'))
                + v.delete_ttl * $1) AS due
     FROM current_versions c JOIN versions v ON v.id = c.version_id
     WHERE v.delete_ttl IS NOT NULL`,
    [DAY_MS],
  );
  return rows[0]?.due ?? null;
}
