import type {
  JsonObject,
  RunRecord,
  RunResponse,
  RunState,
  StoredDataIn,
  TaskInstanceRecord,
  WaitingOn,
} from '../../model/records.js';
import type { RebuiltData } from '../data-rebuild.js';
import type { RunResult } from '../../model/statuses.js';
import type {
  CandidateQuery,
  ClaimCandidate,
  ClaimRequest,
  NewTaskInstance,
  OutcomeWrite,
  QueueTransaction,
  RunStatusChange,
  RunsStart,
  Scope,
} from '../queue-store.js';
import {
  finishResponse,
  priorityRank,
  RUN_STATE_COLUMNS,
  type RunRow,
  type TaskInstanceRow,
  toRunState,
  toStartedRun,
  toTaskInstance,
} from '../rows.js';
import { insertedInstance } from '../planned-run.js';
import { insertIterationItems, readData, readRunState } from './data-queries.js';
import * as claims from './claim-queries.js';
import type { Sql } from './database.js';
import type { PgIdBlocks } from './id-blocks.js';

const SCOPE = 'run_id = $1 AND iteration_parent_id IS NOT DISTINCT FROM $2 AND iteration_index IS NOT DISTINCT FROM $3';

/**
 * The queue primitives on PostgreSQL, on the one connection of a transaction (READ COMMITTED).
 * `lockRun` takes the run's row lock, so the engine's transactions on one run are serialized across
 * nodes; claims skip rows other claimers hold (`SKIP LOCKED`); counts for concurrency limits are taken
 * under an advisory lock per task or workflow, so two nodes cannot both see a free slot.
 */
export class PgQueueTransaction implements QueueTransaction {
  constructor(
    private readonly sql: Sql,
    private readonly ids: PgIdBlocks,
  ) {}

  private async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    return (await this.sql.query(text, values)).rows as T[];
  }

  private async count(text: string, values: unknown[]): Promise<number> {
    return (await this.sql.query(text, values)).rowCount ?? 0;
  }

  lockRun(runId: number): Promise<RunState | undefined> {
    return readRunState(this.sql, runId, true);
  }

  async getTaskInstance(id: number): Promise<TaskInstanceRecord | undefined> {
    const [row] = await this.rows<TaskInstanceRow>('SELECT * FROM task_instances WHERE id = $1', [id]);
    return row && toTaskInstance(row);
  }

  async writeOutcome(outcome: OutcomeWrite): Promise<boolean> {
    const rebase = outcome.rebaseIn;
    const changed = await this.count(
      `UPDATE task_instances
       SET status = $3, data_out = $4, state = $5, waiting_on = $6, due_at = $7, attempt = attempt + $8,
           error = $9, error_class = $10, error_details = $11, is_unhandled_error = $12,
           log = CASE WHEN $13::text IS NULL THEN log ELSE COALESCE(log, '') || $13::text END,
           ended_at = $14, updated_at = $15, locked_by = NULL, lease_until = NULL, data_out_patch = $16,
           data_base = CASE WHEN $17 THEN $18::bigint ELSE data_base END,
           data_in = CASE WHEN $17 THEN $19::text ELSE data_in END,
           data_in_patch = CASE WHEN $17 THEN $20::text ELSE data_in_patch END
       WHERE id = $1 AND status = 'Processing' AND locked_by = $2`,
      [
        outcome.id,
        outcome.nodeId,
        outcome.status,
        outcome.dataOut?.outWhole ?? null,
        outcome.state === null ? null : JSON.stringify(outcome.state),
        outcome.waitingOn,
        outcome.dueAt,
        outcome.isNextAttempt ? 1 : 0,
        outcome.error?.message ?? null,
        outcome.error?.errorClass ?? null,
        outcome.error?.details ?? null,
        outcome.isUnhandledError ? 1 : 0,
        outcome.log,
        outcome.endedAt,
        outcome.now,
        outcome.dataOut?.outPatch ?? null,
        rebase !== undefined,
        rebase?.baseId ?? null,
        rebase?.inWhole ?? null,
        rebase?.inPatch ?? null,
      ],
    );
    return changed === 1;
  }

  async insertTaskInstance(instance: NewTaskInstance): Promise<TaskInstanceRecord> {
    const id = instance.id ?? (await this.ids.next('task', this.sql));
    // Its record is what was inserted with the table's defaults (`insertedInstance`), not read back.
    await this.sql.query(
      `INSERT INTO task_instances (id, run_id, workflow_id, version_id, task_id, name, action_type, status,
                                   priority_rank, previous_id, data_in, locked_by, lease_until, started_at,
                                   iteration_parent_id, iteration_index, waiting_on, rerun_of, created_at, updated_at,
                                   data_base, data_in_patch, log)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, $21, $22)`,
      [
        id,
        instance.run.id,
        instance.run.workflowId,
        instance.run.versionId,
        instance.taskId,
        instance.name,
        instance.actionType,
        instance.status,
        priorityRank(instance.run.priority),
        instance.previousId,
        instance.dataIn.inWhole,
        instance.heldBy?.nodeId ?? null,
        instance.heldBy?.leaseUntil ?? null,
        instance.heldBy ? instance.now : null,
        instance.scope.iterationParentId,
        instance.scope.iterationIndex,
        instance.waitingOn,
        instance.rerunOf,
        instance.now,
        instance.dataIn.baseId,
        instance.dataIn.inPatch,
        instance.log ?? null,
      ],
    );
    return insertedInstance({ ...instance, id });
  }

  async setDataIn(id: number, dataIn: StoredDataIn, now: number): Promise<void> {
    await this.sql.query(
      'UPDATE task_instances SET data_base = $2, data_in = $3, data_in_patch = $4, updated_at = $5 WHERE id = $1',
      [id, dataIn.baseId, dataIn.inWhole, dataIn.inPatch, now],
    );
  }

  readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData> {
    return readData(this.sql, ids, runIds);
  }

  insertIterationItems(iterateId: number, items: readonly string[]): Promise<void> {
    return insertIterationItems(this.sql, iterateId, items);
  }

  async wake(id: number, now: number, waitingOn?: WaitingOn): Promise<boolean> {
    const changed = await this.count(
      `UPDATE task_instances SET due_at = $2, updated_at = $2
       WHERE id = $1 AND status = 'Pending' AND ($3::text IS NULL OR waiting_on = $3::text)`,
      [id, now, waitingOn ?? null],
    );
    return changed === 1;
  }

  async countIterationDone(iterateId: number, now: number): Promise<boolean> {
    const [row] = await this.rows<{ woke: boolean }>(
      `UPDATE task_instances
       SET iterations_done = iterations_done + 1,
           due_at = CASE WHEN status = 'Pending' THEN $2 ELSE due_at END, updated_at = $2
       WHERE id = $1
       RETURNING status = 'Pending' AS woke`,
      [iterateId, now],
    );
    return row?.woke === true;
  }

  async iterationsDone(iterateId: number): Promise<number> {
    const [row] = await this.rows<{ n: number }>('SELECT iterations_done AS n FROM task_instances WHERE id = $1', [
      iterateId,
    ]);
    return row?.n ?? 0;
  }

  async stopWaitingInstance(id: number, now: number): Promise<TaskInstanceRecord | undefined> {
    const [row] = await this.rows<TaskInstanceRow>(
      `UPDATE task_instances SET status = 'Stopped', due_at = NULL, ended_at = $2, updated_at = $2
       WHERE id = $1 AND status IN ('Queued', 'Pending')
       RETURNING *`,
      [id, now],
    );
    return row && toTaskInstance(row);
  }

  async stopWaitingInstancesOfRun(runId: number, now: number): Promise<number[]> {
    await this.sql.query(
      `UPDATE task_instances SET status = 'Stopped', locked_by = NULL, lease_until = NULL, due_at = NULL,
                                 ended_at = $2, updated_at = $2
       WHERE run_id = $1 AND status IN ('Queued', 'Pending')`,
      [runId, now],
    );
    const rows = await this.rows<{ id: number }>(
      "SELECT id FROM task_instances WHERE run_id = $1 AND status = 'Processing'",
      [runId],
    );
    return rows.map((row) => row.id);
  }

  async markRerun(id: number, rerunBy: number, now: number): Promise<boolean> {
    const changed = await this.count(
      `UPDATE task_instances SET rerun_by = $2, updated_at = $3
       WHERE id = $1 AND rerun_by IS NULL AND status IN ('Success', 'Error', 'Stopped')`,
      [id, rerunBy, now],
    );
    return changed === 1;
  }

  async recordApproval(id: number, state: JsonObject, now: number): Promise<boolean> {
    const changed = await this.count(
      `UPDATE task_instances SET state = $2, due_at = $3, updated_at = $3
       WHERE id = $1 AND status = 'Pending' AND waiting_on = 'approval'`,
      [id, JSON.stringify(state), now],
    );
    return changed === 1;
  }

  async runCounts(runId: number): Promise<{ active: number; waiting: number }> {
    const [row] = await this.rows<{ active: number; waiting: number }>(
      `SELECT count(*) FILTER (WHERE status IN ('Queued', 'Processing')) AS active,
              count(*) FILTER (WHERE status = 'Pending') AS waiting
       FROM task_instances WHERE run_id = $1 AND status IN ('Queued', 'Processing', 'Pending')`,
      [runId],
    );
    return row ?? { active: 0, waiting: 0 };
  }

  async scopeCounts(runId: number, scope: Scope): Promise<{ live: number; liveBesidesMerges: number }> {
    const [row] = await this.rows<{ live: number; besides: number }>(
      `SELECT count(*) AS live, count(*) FILTER (WHERE waiting_on IS DISTINCT FROM 'merge') AS besides
       FROM task_instances WHERE ${SCOPE} AND status IN ('Queued', 'Processing', 'Pending')`,
      scopeValues(runId, scope),
    );
    return { live: row?.live ?? 0, liveBesidesMerges: row?.besides ?? 0 };
  }

  async findWaitingMerge(runId: number, taskId: number, scope: Scope): Promise<TaskInstanceRecord | undefined> {
    const [row] = await this.rows<TaskInstanceRow>(
      `SELECT * FROM task_instances
       WHERE ${SCOPE} AND task_id = $4 AND status = 'Pending' AND waiting_on = 'merge'
       LIMIT 1`,
      [...scopeValues(runId, scope), taskId],
    );
    return row && toTaskInstance(row);
  }

  async waitingMergeIds(runId: number, scope: Scope): Promise<number[]> {
    const rows = await this.rows<{ id: number }>(
      `SELECT id FROM task_instances
       WHERE ${SCOPE} AND status = 'Pending' AND waiting_on = 'merge' AND due_at IS NULL`,
      scopeValues(runId, scope),
    );
    return rows.map((row) => row.id);
  }

  async countTaskInScope(runId: number, taskId: number, scope: Scope): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      `SELECT count(*) AS n FROM task_instances WHERE ${SCOPE} AND task_id = $4`,
      [...scopeValues(runId, scope), taskId],
    );
    return row?.n ?? 0;
  }

  /** Locks the sub-run (FOR SHARE) until the transaction ends: its end, which locks it first, waits. */
  async hasFinalSubRun(parentTaskInstanceId: number): Promise<boolean> {
    const rows = await this.rows<{ is_final: boolean }>(
      `SELECT status IN ('Finished', 'Stopped') AS is_final FROM runs WHERE parent_task_instance_id = $1 FOR SHARE`,
      [parentTaskInstanceId],
    );
    return rows.some((row) => row.is_final);
  }

  async firstUnhandledError(runId: number): Promise<{ errorClass: string; message: string } | undefined> {
    const [row] = await this.rows<{ error_class: string | null; error: string | null }>(
      `SELECT error_class, error FROM task_instances
       WHERE run_id = $1 AND is_unhandled_error = 1 AND rerun_by IS NULL ORDER BY id LIMIT 1`,
      [runId],
    );
    return row && { errorClass: row.error_class ?? 'WorkflowError', message: row.error ?? '' };
  }

  async setRunError(runId: number, errorClass: string, message: string): Promise<void> {
    await this.sql.query(
      'UPDATE runs SET error_class = COALESCE(error_class, $2), error_message = COALESCE(error_message, $3) WHERE id = $1',
      [runId, errorClass, message],
    );
  }

  async recordResponse(runId: number, response: RunResponse, result: RunResult): Promise<boolean> {
    const changed = await this.count(
      'UPDATE runs SET response = $2, response_result = $3 WHERE id = $1 AND response IS NULL',
      [runId, JSON.stringify(response), result],
    );
    return changed === 1;
  }

  async setRunStatus(change: RunStatusChange): Promise<RunState | undefined> {
    const isFinish = change.finish !== undefined;
    const isReopen = change.reopen !== undefined;
    const answer = finishResponse(change);
    const [row] = await this.rows<Omit<RunRow, 'inputs'>>(
      `UPDATE runs SET status = $3, updated_at = $4,
         result = CASE WHEN $5 THEN $6 WHEN $8 THEN NULL ELSE result END,
         response = CASE WHEN $5 THEN COALESCE(response, $7) WHEN $8 THEN NULL ELSE response END,
         response_result = CASE WHEN $8 THEN NULL WHEN $5 AND response IS NULL THEN $11 ELSE response_result END,
         finished_at = CASE WHEN $5 THEN $4 WHEN $8 THEN NULL ELSE finished_at END,
         error_class = CASE WHEN $8 THEN $9 ELSE error_class END,
         error_message = CASE WHEN $8 THEN $10 ELSE error_message END
       WHERE id = $1 AND status = ANY($2::text[])
       RETURNING ${RUN_STATE_COLUMNS}`,
      [
        change.runId,
        change.from,
        change.to,
        change.now,
        isFinish,
        change.finish?.result ?? null,
        answer.response,
        isReopen,
        change.reopen?.error?.errorClass ?? null,
        change.reopen?.error?.message ?? null,
        answer.responseResult,
      ],
    );
    return row && toRunState(row);
  }

  async startRuns(start: RunsStart): Promise<Array<RunState | RunRecord>> {
    const rows = await this.rows<Omit<RunRow, 'inputs'> & { inputs: string | null }>(
      `UPDATE runs SET status = $3, updated_at = $4, started_at = COALESCE(started_at, $4)
       WHERE id = ANY($1::bigint[]) AND status = ANY($2::text[])
       RETURNING ${RUN_STATE_COLUMNS}, CASE WHEN started_at = $4 THEN inputs END AS inputs`,
      [start.runIds, start.from, start.to, start.now],
    );
    return rows.map(toStartedRun);
  }

  claimDue(claim: ClaimRequest): Promise<TaskInstanceRecord[]> {
    return claims.claimDue(this.sql, claim);
  }

  queuedCandidates(query: CandidateQuery): Promise<ClaimCandidate[]> {
    return claims.queuedCandidates(this.sql, query);
  }

  countProcessingOfTask(taskId: number): Promise<number> {
    return claims.countProcessingOfTask(this.sql, taskId);
  }

  countActiveRuns(workflowId: number): Promise<number> {
    return claims.countActiveRuns(this.sql, workflowId);
  }

  claimQueued(ids: readonly number[], claim: Omit<ClaimRequest, 'limit'>): Promise<TaskInstanceRecord[]> {
    return claims.claimQueued(this.sql, ids, claim);
  }
}

function scopeValues(runId: number, scope: Scope): unknown[] {
  return [runId, scope.iterationParentId, scope.iterationIndex];
}
