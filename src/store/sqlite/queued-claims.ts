import type Database from 'better-sqlite3';
import type { TaskInstanceRow } from './rows.js';

interface Candidate {
  id: number;
  task_id: number;
  priority_rank: number;
  run_id: number;
  workflow_id: number;
  run_status: string;
  task_limit: number | null;
  run_limit: number | null;
}

export interface QueuedClaimRequest {
  nodeId: string;
  limit: number;
  now: number;
  leaseUntil: number;
}

/**
 * Claims `Queued` task instances, highest priority first, then oldest, within the limits:
 * - a task's `concurrent_limit`: no more of its instances `Processing` at once (anywhere) than that;
 * - a workflow's `concurrent_run_limit`: a run that has not started yet (`Queued`) starts only while
 *   fewer of the workflow's runs are in flight (`Processing`, `Pending`, `Stopping`).
 * Candidates are read in order, page by page; a task or workflow found full is left out of the next
 * pages (SQL) and of the rest of this page (here), so one full task never blocks the others behind it.
 * Runs inside the caller's write transaction, so counts and claims cannot interleave with another claim.
 */
export class QueuedClaims {
  private readonly selectCandidates;
  private readonly countTaskProcessing;
  private readonly countWorkflowActive;
  private readonly claimOne;

  constructor(db: Database.Database) {
    this.selectCandidates = db.prepare(`
      SELECT ti.id, ti.task_id, ti.priority_rank, ti.run_id, r.workflow_id, r.status AS run_status,
             tl.concurrent_limit AS task_limit, v.concurrent_run_limit AS run_limit
      FROM task_instances ti
      JOIN runs r ON r.id = ti.run_id
      JOIN versions v ON v.id = r.version_id
      LEFT JOIN task_limits tl ON tl.task_id = ti.task_id
      WHERE ti.status = 'Queued'
        AND (ti.priority_rank, ti.id) > (@afterRank, @afterId)
        AND ti.task_id NOT IN (SELECT value FROM json_each(@fullTasks))
        AND NOT (r.status = 'Queued' AND r.workflow_id IN (SELECT value FROM json_each(@fullWorkflows)))
      ORDER BY ti.priority_rank, ti.id
      LIMIT @pageSize`);
    this.countTaskProcessing = db.prepare(
      "SELECT count(*) AS n FROM task_instances WHERE task_id = ? AND status = 'Processing'",
    );
    this.countWorkflowActive = db.prepare(
      "SELECT count(*) AS n FROM runs WHERE workflow_id = ? AND status IN ('Processing', 'Pending', 'Stopping')",
    );
    this.claimOne = db.prepare(`
      UPDATE task_instances
      SET status = 'Processing', locked_by = @nodeId, lease_until = @leaseUntil,
          started_at = COALESCE(started_at, @now), updated_at = @now
      WHERE id = @id AND status = 'Queued'
      RETURNING *`);
  }

  claim(request: QueuedClaimRequest): TaskInstanceRow[] {
    const claimed: TaskInstanceRow[] = [];
    const fullTasks = new Set<number>();
    const fullWorkflows = new Set<number>();
    // In-flight counts, read once per claim and kept up to date as this claim takes instances.
    const taskProcessing = new Map<number, number>();
    const workflowActive = new Map<number, number>();
    const startingRuns = new Set<number>();
    let after = { rank: -1, id: 0 };
    while (claimed.length < request.limit) {
      const page = this.selectCandidates.all({
        afterRank: after.rank,
        afterId: after.id,
        fullTasks: JSON.stringify([...fullTasks]),
        fullWorkflows: JSON.stringify([...fullWorkflows]),
        pageSize: request.limit - claimed.length,
      }) as Candidate[];
      if (page.length === 0) break;
      for (const candidate of page) {
        after = { rank: candidate.priority_rank, id: candidate.id };
        if (fullTasks.has(candidate.task_id)) continue;
        const needsRunSlot = candidate.run_status === 'Queued' && !startingRuns.has(candidate.run_id);
        if (needsRunSlot && fullWorkflows.has(candidate.workflow_id)) continue;
        if (candidate.task_limit !== null) {
          const running = this.count(taskProcessing, candidate.task_id, this.countTaskProcessing);
          if (running >= candidate.task_limit) {
            fullTasks.add(candidate.task_id);
            continue;
          }
        }
        if (needsRunSlot && candidate.run_limit !== null) {
          const active = this.count(workflowActive, candidate.workflow_id, this.countWorkflowActive);
          if (active >= candidate.run_limit) {
            fullWorkflows.add(candidate.workflow_id);
            continue;
          }
        }
        const row = this.claimOne.get({ ...request, id: candidate.id }) as TaskInstanceRow | undefined;
        if (!row) continue;
        claimed.push(row);
        if (candidate.task_limit !== null) {
          taskProcessing.set(candidate.task_id, (taskProcessing.get(candidate.task_id) ?? 0) + 1);
        }
        if (needsRunSlot) {
          startingRuns.add(candidate.run_id);
          workflowActive.set(candidate.workflow_id, (workflowActive.get(candidate.workflow_id) ?? 0) + 1);
        }
      }
    }
    return claimed;
  }

  private count(cache: Map<number, number>, key: number, statement: Database.Statement): number {
    let value = cache.get(key);
    if (value === undefined) {
      value = (statement.get(key) as { n: number }).n;
      cache.set(key, value);
    }
    return value;
  }
}
