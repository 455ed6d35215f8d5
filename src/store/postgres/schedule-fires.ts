import type { ScheduledRunRequest, ScheduledRunResult } from '../store-versions-schedules.js';
import type { Sql } from './database.js';
import type { PgIdBlocks } from './id-blocks.js';
import { createRunIn } from './run-creation.js';

/** How far ahead a `Pending` task instance blocks a scheduled run (the reference's 3 minutes). */
const PENDING_SOON_MS = 3 * 60 * 1000;

/**
 * One scheduled instant, inside the caller's transaction: the primary key (workflow, instant) decides
 * which node owns it (the others wait on the row, then see a conflict); the owner skips it or creates
 * its run.
 */
export async function startScheduledRunIn(
  sql: Sql,
  ids: PgIdBlocks,
  request: ScheduledRunRequest,
): Promise<ScheduledRunResult> {
  const key = [request.run.workflowId, request.scheduledAt];
  const inserted = await sql.query(
    `INSERT INTO schedule_fires (workflow_id, scheduled_at, version_id, outcome, fired_by, created_at)
     VALUES ($1, $2, $3, 'Started', $4, $5)
     ON CONFLICT (workflow_id, scheduled_at) DO NOTHING`,
    [...key, request.run.versionId, request.firedBy, request.run.now],
  );
  if ((inserted.rowCount ?? 0) === 0) return { outcome: 'duplicate' };
  const reason = request.skipReason ?? (request.isActiveRunCheckOn ? await busyReason(sql, request) : null);
  if (reason !== null) {
    await sql.query(
      "UPDATE schedule_fires SET outcome = 'Skipped', reason = $3 WHERE workflow_id = $1 AND scheduled_at = $2",
      [...key, reason],
    );
    return { outcome: 'skipped', reason };
  }
  const { run, instances } = await createRunIn(sql, ids, request.run);
  await sql.query('UPDATE schedule_fires SET run_id = $3 WHERE workflow_id = $1 AND scheduled_at = $2', [
    ...key,
    run.id,
  ]);
  return { outcome: 'started', run, instances };
}

async function busyReason(sql: Sql, request: ScheduledRunRequest): Promise<string | null> {
  const { rows } = await sql.query<{ has_active_run: boolean; has_pending_soon: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM runs
                    WHERE workflow_id = $1 AND status IN ('Queued', 'Processing', 'Stopping')) AS has_active_run,
            EXISTS (SELECT 1 FROM task_instances
                    WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= $2
                      AND workflow_id = $1) AS has_pending_soon`,
    [request.run.workflowId, request.scheduledAt + PENDING_SOON_MS],
  );
  const busy = rows[0];
  if (busy?.has_active_run) return 'Another run of this workflow is still queued or processing.';
  if (busy?.has_pending_soon) return 'A pending task of this workflow is due within 3 minutes.';
  return null;
}
