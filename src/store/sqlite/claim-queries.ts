import type Database from 'better-sqlite3';
import type { TaskInstanceRecord } from '../../model/records.js';
import type { CandidateQuery, ClaimCandidate, ClaimRequest } from '../queue-store.js';
import { inOrderOf, toClaimCandidate, toTaskInstance, type ClaimCandidateRow, type TaskInstanceRow } from '../rows.js';

/**
 * The claim's primitives on SQLite (`engine/claims.ts` composes them): due and queued candidates, the
 * counts the concurrency limits are checked against, and the claim of one instance. Part of
 * `SqliteQueueTransaction`, run inside its batch.
 */
export class SqliteClaimQueries {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      // Read, then written only when something is due: most claims find nothing due, and an UPDATE
      // that changes nothing still opens every index of task_instances for writing.
      dueIds: db
        .prepare(
          `SELECT id FROM task_instances
           WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= @now
           ORDER BY due_at LIMIT @limit`,
        )
        .pluck(),
      claimDue: db.prepare(`
        UPDATE task_instances
        SET status = 'Processing', locked_by = @nodeId, lease_until = @leaseUntil, due_at = NULL, updated_at = @now
        WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'Pending'
        RETURNING *`),
      queuedCandidates: db.prepare(`
        SELECT ti.id, ti.task_id, ti.priority_rank, ti.run_id, r.workflow_id, r.status AS run_status,
               tl.concurrent_limit AS task_limit, v.concurrent_run_limit AS run_limit
        FROM task_instances ti
        JOIN runs r ON r.id = ti.run_id
        JOIN versions v ON v.id = r.version_id
        LEFT JOIN task_limits tl ON tl.task_id = ti.task_id
        WHERE ti.status = 'Queued'
          AND (ti.priority_rank, ti.id) > (@afterRank, @afterId)
          AND ti.task_id NOT IN (SELECT value FROM json_each(@excludedTasks))
          AND NOT (r.status = 'Queued' AND r.workflow_id IN (SELECT value FROM json_each(@excludedWorkflows)))
        ORDER BY ti.priority_rank, ti.id
        LIMIT @limit`),
      countProcessingOfTask: db.prepare(
        "SELECT count(*) AS n FROM task_instances WHERE task_id = ? AND status = 'Processing'",
      ),
      countActiveRuns: db.prepare(
        "SELECT count(*) AS n FROM runs WHERE workflow_id = ? AND status IN ('Processing', 'Pending', 'Stopping')",
      ),
      claimQueued: db.prepare(`
        UPDATE task_instances
        SET status = 'Processing', locked_by = @nodeId, lease_until = @leaseUntil,
            started_at = COALESCE(started_at, @now), updated_at = @now
        WHERE id IN (SELECT value FROM json_each(@ids)) AND status = 'Queued'
        RETURNING *`),
    };
  }

  async claimDue(claim: ClaimRequest): Promise<TaskInstanceRecord[]> {
    const ids = this.statements.dueIds.all({ now: claim.now, limit: claim.limit }) as number[];
    return ids.length === 0 ? [] : this.claimByIds(this.statements.claimDue, ids, claim);
  }

  async queuedCandidates(query: CandidateQuery): Promise<ClaimCandidate[]> {
    const rows = this.statements.queuedCandidates.all({
      afterRank: query.after.priorityRank,
      afterId: query.after.id,
      excludedTasks: JSON.stringify(query.excludedTaskIds),
      excludedWorkflows: JSON.stringify(query.excludedWorkflowIds),
      limit: query.limit,
    }) as ClaimCandidateRow[];
    return rows.map(toClaimCandidate);
  }

  async countProcessingOfTask(taskId: number): Promise<number> {
    return (this.statements.countProcessingOfTask.get(taskId) as { n: number }).n;
  }

  async countActiveRuns(workflowId: number): Promise<number> {
    return (this.statements.countActiveRuns.get(workflowId) as { n: number }).n;
  }

  async claimQueued(ids: readonly number[], claim: Omit<ClaimRequest, 'limit'>): Promise<TaskInstanceRecord[]> {
    return this.claimByIds(this.statements.claimQueued, ids, claim);
  }

  /** Runs one of the claiming UPDATEs on `ids`; the instances it took, in the order of `ids`. */
  private claimByIds(
    statement: Database.Statement,
    ids: readonly number[],
    claim: Omit<ClaimRequest, 'limit'>,
  ): TaskInstanceRecord[] {
    const rows = statement.all({
      ids: JSON.stringify(ids),
      nodeId: claim.nodeId,
      leaseUntil: claim.leaseUntil,
      now: claim.now,
    }) as TaskInstanceRow[];
    return inOrderOf(ids, rows.map(toTaskInstance));
  }
}
