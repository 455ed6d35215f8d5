import type Database from 'better-sqlite3';
import type { ScheduledRunRequest, ScheduledRunResult, ScheduleRecord } from '../store-versions-schedules.js';
import type { RunCreation } from './run-creation.js';

/** How far ahead a `Pending` task instance blocks a scheduled run (the reference's 3 minutes). */
const PENDING_SOON_MS = 3 * 60 * 1000;

interface ScheduleRow {
  workflow_id: number;
  version_id: number;
  interval: string;
  timezone: string;
  last_fire_at: number | null;
  anchor_at: number;
  active_scheduled_run_check: number;
}

/** The scheduled trigger on SQLite: which workflows are scheduled, and one row per handled instant. */
export class ScheduleQueries {
  private readonly selectSchedules;
  private readonly insertFire;
  private readonly selectBusy;
  private readonly markSkipped;
  private readonly markStarted;

  constructor(
    db: Database.Database,
    private readonly runs: RunCreation,
  ) {
    this.selectSchedules = db.prepare(`
      SELECT w.id AS workflow_id, v.id AS version_id, v.interval, v.timezone, v.active_scheduled_run_check,
             max(w.updated_at, v.updated_at) AS anchor_at,
             (SELECT max(scheduled_at) FROM schedule_fires f WHERE f.workflow_id = w.id) AS last_fire_at
      FROM workflows w JOIN versions v ON v.id = w.active_version_id
      WHERE w.deleted_at IS NULL AND w.status = 'Active' AND v.scheduled_trigger = 1
        AND v.interval IS NOT NULL AND v.interval <> '' AND v.timezone IS NOT NULL AND v.timezone <> ''
      ORDER BY w.id`);
    // The primary key (workflow_id, scheduled_at) decides: the first insert owns the instant.
    this.insertFire = db.prepare(`
      INSERT INTO schedule_fires (workflow_id, scheduled_at, version_id, outcome, fired_by, created_at)
      VALUES (@workflowId, @scheduledAt, @versionId, 'Started', @firedBy, @now)
      ON CONFLICT (workflow_id, scheduled_at) DO NOTHING`);
    this.selectBusy = db.prepare(`
      SELECT EXISTS (SELECT 1 FROM runs
                     WHERE workflow_id = @workflowId AND status IN ('Queued', 'Processing', 'Stopping')) AS has_active_run,
             EXISTS (SELECT 1 FROM task_instances
                     WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= @soon
                       AND workflow_id = @workflowId) AS has_pending_soon`);
    this.markSkipped = db.prepare(`
      UPDATE schedule_fires SET outcome = 'Skipped', reason = @reason
      WHERE workflow_id = @workflowId AND scheduled_at = @scheduledAt`);
    this.markStarted = db.prepare(`
      UPDATE schedule_fires SET run_id = @runId WHERE workflow_id = @workflowId AND scheduled_at = @scheduledAt`);
  }

  listSchedules(): ScheduleRecord[] {
    return (this.selectSchedules.all() as ScheduleRow[]).map((row) => ({
      workflowId: row.workflow_id,
      versionId: row.version_id,
      interval: row.interval,
      timezone: row.timezone,
      lastFireAt: row.last_fire_at,
      anchorAt: row.anchor_at,
      activeScheduledRunCheck: row.active_scheduled_run_check === 1,
    }));
  }

  /** One transaction: claim the instant, then skip it or create its run. */
  startScheduledRun(request: ScheduledRunRequest): ScheduledRunResult {
    const key = { workflowId: request.run.workflowId, scheduledAt: request.scheduledAt };
    const inserted = this.insertFire.run({
      ...key,
      versionId: request.run.versionId,
      firedBy: request.firedBy,
      now: request.run.now,
    }).changes;
    if (inserted === 0) return { outcome: 'duplicate' };
    const reason = request.skipReason ?? (request.isActiveRunCheckOn ? this.busyReason(request) : null);
    if (reason !== null) {
      this.markSkipped.run({ ...key, reason });
      return { outcome: 'skipped', reason };
    }
    const { run, instances } = this.runs.createRun(request.run);
    this.markStarted.run({ ...key, runId: run.id });
    return { outcome: 'started', run, instances };
  }

  private busyReason(request: ScheduledRunRequest): string | null {
    const busy = this.selectBusy.get({
      workflowId: request.run.workflowId,
      soon: request.scheduledAt + PENDING_SOON_MS,
    }) as {
      has_active_run: number;
      has_pending_soon: number;
    };
    if (busy.has_active_run === 1) return 'Another run of this workflow is still queued or processing.';
    if (busy.has_pending_soon === 1) return 'A pending task of this workflow is due within 3 minutes.';
    return null;
  }
}
