import type { ClaimCandidate, CandidateQuery, ClaimRequest } from '../queue-store.js';
import type { TaskInstanceRecord } from '../../model/records.js';
import { inOrderOf, toClaimCandidate, toTaskInstance, type ClaimCandidateRow, type TaskInstanceRow } from '../rows.js';
import type { Sql } from './database.js';

/** The claim's statements on PostgreSQL (`engine/claims.ts` composes them inside one queue transaction). */

/** Claims due `Pending` instances, earliest first, skipping rows another claimer holds. */
export async function claimDue(sql: Sql, claim: ClaimRequest): Promise<TaskInstanceRecord[]> {
  const { rows } = await sql.query<TaskInstanceRow>(
    `UPDATE task_instances
       SET status = 'Processing', locked_by = $1, lease_until = $2, due_at = NULL, updated_at = $3
       WHERE id IN (SELECT id FROM task_instances
                    WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= $3
                    ORDER BY due_at LIMIT $4
                    FOR UPDATE SKIP LOCKED)
       RETURNING *`,
    [claim.nodeId, claim.leaseUntil, claim.now, claim.limit],
  );
  return rows.map(toTaskInstance);
}

/** `Queued` instances in claim order with their limits, locked (`SKIP LOCKED`) until the claim ends. */
export async function queuedCandidates(sql: Sql, query: CandidateQuery): Promise<ClaimCandidate[]> {
  const { rows } = await sql.query<ClaimCandidateRow>(
    `SELECT ti.id, ti.task_id, ti.priority_rank, ti.run_id, r.workflow_id, r.status AS run_status,
              tl.concurrent_limit AS task_limit, v.concurrent_run_limit AS run_limit
       FROM task_instances ti
       JOIN runs r ON r.id = ti.run_id
       JOIN versions v ON v.id = r.version_id
       LEFT JOIN task_limits tl ON tl.task_id = ti.task_id
       WHERE ti.status = 'Queued'
         AND (ti.priority_rank, ti.id) > ($1, $2)
         AND NOT (ti.task_id = ANY($3::bigint[]))
         AND NOT (r.status = 'Queued' AND r.workflow_id = ANY($4::bigint[]))
       ORDER BY ti.priority_rank, ti.id
       LIMIT $5
       FOR UPDATE OF ti SKIP LOCKED`,
    [query.after.priorityRank, query.after.id, query.excludedTaskIds, query.excludedWorkflowIds, query.limit],
  );
  return rows.map(toClaimCandidate);
}

/** `Processing` instances of a task, counted under an advisory lock held until the transaction ends. */
export async function countProcessingOfTask(sql: Sql, taskId: number): Promise<number> {
  // Held until commit: another node counting this task's slots waits and then sees this claim.
  await sql.query("SELECT pg_advisory_xact_lock(hashtextextended('weir:task:' || $1::text, 0))", [taskId]);
  const {
    rows: [row],
  } = await sql.query<{ n: number }>(
    "SELECT count(*) AS n FROM task_instances WHERE task_id = $1 AND status = 'Processing'",
    [taskId],
  );
  return row?.n ?? 0;
}

/** A workflow's runs in flight, counted under an advisory lock held until the transaction ends. */
export async function countActiveRuns(sql: Sql, workflowId: number): Promise<number> {
  await sql.query("SELECT pg_advisory_xact_lock(hashtextextended('weir:workflow:' || $1::text, 0))", [workflowId]);
  const {
    rows: [row],
  } = await sql.query<{ n: number }>(
    "SELECT count(*) AS n FROM runs WHERE workflow_id = $1 AND status IN ('Processing', 'Pending', 'Stopping')",
    [workflowId],
  );
  return row?.n ?? 0;
}

/** Claims those of `ids` still `Queued` (locked by this claim's candidate query), in the order of `ids`. */
export async function claimQueued(
  sql: Sql,
  ids: readonly number[],
  claim: Omit<ClaimRequest, 'limit'>,
): Promise<TaskInstanceRecord[]> {
  const { rows } = await sql.query<TaskInstanceRow>(
    `UPDATE task_instances
       SET status = 'Processing', locked_by = $2, lease_until = $3, started_at = COALESCE(started_at, $4),
           updated_at = $4
       WHERE id = ANY($1::bigint[]) AND status = 'Queued'
       RETURNING *`,
    [ids, claim.nodeId, claim.leaseUntil, claim.now],
  );
  return inOrderOf(ids, rows.map(toTaskInstance));
}
