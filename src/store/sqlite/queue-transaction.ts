import type Database from 'better-sqlite3';
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
import { insertedInstance } from '../planned-run.js';
import { SqliteClaimQueries } from './claim-queries.js';
import type { SqliteDataQueries } from './data-queries.js';
import type { IdAllocator } from './id-allocator.js';
import type { TaskUsageCounter } from './task-usage-counter.js';
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

/**
 * The queue primitives on SQLite: one prepared statement each, run synchronously inside the write
 * batch's transaction (SQLite serializes writers, so `lockRun` is a plain read). SQL and row mapping
 * only: the rules that compose these are in `engine/`.
 */
export class SqliteQueueTransaction implements QueueTransaction {
  private readonly statements;
  private readonly claims: SqliteClaimQueries;

  constructor(
    db: Database.Database,
    private readonly ids: IdAllocator,
    private readonly data: SqliteDataQueries,
    private readonly usage: TaskUsageCounter,
  ) {
    this.claims = new SqliteClaimQueries(db);
    const scopeWhere = 'run_id = @runId AND iteration_parent_id IS @parentId AND iteration_index IS @index';
    this.statements = {
      selectRun: db.prepare(`SELECT ${RUN_STATE_COLUMNS} FROM runs WHERE id = ?`),
      selectInstance: db.prepare('SELECT * FROM task_instances WHERE id = ?'),
      writeOutcome: db.prepare(`
        UPDATE task_instances
        SET status = @status, data_out = @dataOut, data_out_patch = @dataOutPatch, state = @state,
            data_base = CASE WHEN @isRebase THEN @dataBase ELSE data_base END,
            data_in = CASE WHEN @isRebase THEN @dataIn ELSE data_in END,
            data_in_patch = CASE WHEN @isRebase THEN @dataInPatch ELSE data_in_patch END,
            waiting_on = @waitingOn, due_at = @dueAt,
            attempt = attempt + @attemptStep, error = @error, error_class = @errorClass, error_details = @errorDetails,
            is_unhandled_error = @isUnhandled,
            log = CASE WHEN @log IS NULL THEN log ELSE COALESCE(log, '') || @log END,
            ended_at = @endedAt, updated_at = @now, locked_by = NULL, lease_until = NULL
        WHERE id = @id AND status = 'Processing' AND locked_by = @nodeId`),
      insertInstance: db.prepare(`
        INSERT INTO task_instances (id, run_id, workflow_id, version_id, task_id, name, action_type, status,
                                    priority_rank, previous_id, data_base, data_in, data_in_patch, locked_by,
                                    lease_until, started_at, iteration_parent_id, iteration_index, waiting_on,
                                    rerun_of, log, created_at, updated_at)
        VALUES (@id, @runId, @workflowId, @versionId, @taskId, @name, @actionType, @status, @priorityRank,
                @previousId, @dataBase, @dataIn, @dataInPatch, @lockedBy, @leaseUntil, @startedAt,
                @iterationParentId, @iterationIndex, @waitingOn, @rerunOf, @log, @now, @now)`),
      setDataIn: db.prepare(`
        UPDATE task_instances SET data_base = @dataBase, data_in = @dataIn, data_in_patch = @dataInPatch,
                                  updated_at = @now
        WHERE id = @id`),
      wake: db.prepare(`
        UPDATE task_instances SET due_at = @now, updated_at = @now
        WHERE id = @id AND status = 'Pending' AND (@waitingOn IS NULL OR waiting_on = @waitingOn)`),
      countIterationDone: db.prepare(`
        UPDATE task_instances
        SET iterations_done = iterations_done + 1,
            due_at = CASE WHEN status = 'Pending' THEN @now ELSE due_at END, updated_at = @now
        WHERE id = @id
        RETURNING status = 'Pending' AS woke`),
      iterationsDone: db.prepare('SELECT iterations_done AS n FROM task_instances WHERE id = ?'),
      stopWaitingInstance: db.prepare(`
        UPDATE task_instances SET status = 'Stopped', due_at = NULL, ended_at = @now, updated_at = @now
        WHERE id = @id AND status IN ('Queued', 'Pending')
        RETURNING *`),
      stopWaitingOfRun: db.prepare(`
        UPDATE task_instances SET status = 'Stopped', locked_by = NULL, lease_until = NULL, due_at = NULL,
                                  ended_at = @now, updated_at = @now
        WHERE run_id = @runId AND status IN ('Queued', 'Pending')`),
      executingOfRun: db.prepare("SELECT id FROM task_instances WHERE run_id = ? AND status = 'Processing'"),
      markRerun: db.prepare(`
        UPDATE task_instances SET rerun_by = @rerunBy, updated_at = @now
        WHERE id = @id AND rerun_by IS NULL AND status IN ('Success', 'Error', 'Stopped')`),
      recordApproval: db.prepare(`
        UPDATE task_instances SET state = @state, due_at = @now, updated_at = @now
        WHERE id = @id AND status = 'Pending' AND waiting_on = 'approval'`),
      runCounts: db.prepare(`
        SELECT COALESCE(sum(status IN ('Queued', 'Processing')), 0) AS active,
               COALESCE(sum(status = 'Pending'), 0) AS waiting
        FROM task_instances WHERE run_id = ? AND status IN ('Queued', 'Processing', 'Pending')`),
      scopeCounts: db.prepare(`
        SELECT count(*) AS live, COALESCE(sum(waiting_on IS NOT 'merge'), 0) AS besides
        FROM task_instances WHERE ${scopeWhere} AND status IN ('Queued', 'Processing', 'Pending')`),
      findWaitingMerge: db.prepare(`
        SELECT * FROM task_instances
        WHERE ${scopeWhere} AND task_id = @taskId AND status = 'Pending' AND waiting_on = 'merge'
        LIMIT 1`),
      waitingMergeIds: db.prepare(`
        SELECT id FROM task_instances
        WHERE ${scopeWhere} AND status = 'Pending' AND waiting_on = 'merge' AND due_at IS NULL`),
      countTaskInScope: db.prepare(`
        SELECT count(*) AS n FROM task_instances WHERE ${scopeWhere} AND task_id = @taskId`),
      hasFinalSubRun: db.prepare(`
        SELECT EXISTS (SELECT 1 FROM runs WHERE parent_task_instance_id = ? AND status IN ('Finished', 'Stopped')) AS n`),
      firstUnhandledError: db.prepare(`
        SELECT error_class, error FROM task_instances
        WHERE run_id = ? AND is_unhandled_error = 1 AND rerun_by IS NULL ORDER BY id LIMIT 1`),
      setRunError: db.prepare(`
        UPDATE runs SET error_class = COALESCE(error_class, ?), error_message = COALESCE(error_message, ?) WHERE id = ?`),
      recordResponse: db.prepare('UPDATE runs SET response = ?, response_result = ? WHERE id = ? AND response IS NULL'),
      setRunStatus: db.prepare(`
        UPDATE runs SET status = @to, updated_at = @now,
          result = CASE WHEN @isFinish THEN @result WHEN @isReopen THEN NULL ELSE result END,
          response = CASE WHEN @isFinish THEN COALESCE(response, @response) WHEN @isReopen THEN NULL ELSE response END,
          response_result = CASE WHEN @isReopen THEN NULL WHEN @isFinish AND response IS NULL THEN @responseResult
                                 ELSE response_result END,
          finished_at = CASE WHEN @isFinish THEN @now WHEN @isReopen THEN NULL ELSE finished_at END,
          error_class = CASE WHEN @isReopen THEN @errorClass ELSE error_class END,
          error_message = CASE WHEN @isReopen THEN @errorMessage ELSE error_message END
        WHERE id = @runId AND status IN (SELECT value FROM json_each(@from))
        RETURNING ${RUN_STATE_COLUMNS}`),
      startRuns: db.prepare(`
        UPDATE runs SET status = @to, updated_at = @now, started_at = COALESCE(started_at, @now)
        WHERE id IN (SELECT value FROM json_each(@runIds)) AND status IN (SELECT value FROM json_each(@from))
        RETURNING ${RUN_STATE_COLUMNS}, CASE WHEN started_at = @now AND inputs <> '' THEN inputs END AS inputs`),
    };
  }

  async lockRun(runId: number): Promise<RunState | undefined> {
    return this.runSync(runId);
  }

  /** The run as it is now, without its inputs (synchronous: the queue reads it outside transactions too). */
  runSync(runId: number): RunState | undefined {
    const row = this.statements.selectRun.get(runId) as Omit<RunRow, 'inputs'> | undefined;
    return row && toRunState(row);
  }

  async getTaskInstance(id: number): Promise<TaskInstanceRecord | undefined> {
    const row = this.statements.selectInstance.get(id) as TaskInstanceRow | undefined;
    return row && toTaskInstance(row);
  }

  async writeOutcome(outcome: OutcomeWrite): Promise<boolean> {
    return (
      this.statements.writeOutcome.run({
        id: outcome.id,
        nodeId: outcome.nodeId,
        status: outcome.status,
        dataOut: outcome.dataOut?.outWhole ?? null,
        dataOutPatch: outcome.dataOut?.outPatch ?? null,
        isRebase: outcome.rebaseIn ? 1 : 0,
        ...dataInParams(outcome.rebaseIn ?? null),
        state: outcome.state === null ? null : JSON.stringify(outcome.state),
        waitingOn: outcome.waitingOn,
        dueAt: outcome.dueAt,
        attemptStep: outcome.isNextAttempt ? 1 : 0,
        error: outcome.error?.message ?? null,
        errorClass: outcome.error?.errorClass ?? null,
        errorDetails: outcome.error?.details ?? null,
        isUnhandled: outcome.isUnhandledError ? 1 : 0,
        log: outcome.log,
        endedAt: outcome.endedAt,
        now: outcome.now,
      }).changes === 1
    );
  }

  async insertTaskInstance(instance: NewTaskInstance): Promise<TaskInstanceRecord> {
    return this.insertSync(instance);
  }

  /**
   * Inserts a task instance. Its record is what was inserted with the table's defaults
   * (`insertedInstance`), not read back.
   */
  insertSync(instance: NewTaskInstance): TaskInstanceRecord {
    const placed = { ...instance, id: instance.id ?? this.ids.next('task') };
    this.insertRowSync(placed);
    return insertedInstance(placed);
  }

  /**
   * Inserts a task instance whose id is assigned (synchronous: `createRun` inserts the entry instances,
   * whose records it built already, with it).
   */
  insertRowSync(instance: NewTaskInstance & { id: number }): void {
    this.usage.count(instance.now);
    const { id } = instance;
    this.statements.insertInstance.run({
      id,
      runId: instance.run.id,
      workflowId: instance.run.workflowId,
      versionId: instance.run.versionId,
      taskId: instance.taskId,
      name: instance.name,
      actionType: instance.actionType,
      status: instance.status,
      priorityRank: priorityRank(instance.run.priority),
      previousId: instance.previousId,
      ...dataInParams(instance.dataIn),
      lockedBy: instance.heldBy?.nodeId ?? null,
      leaseUntil: instance.heldBy?.leaseUntil ?? null,
      startedAt: instance.heldBy ? instance.now : null,
      iterationParentId: instance.scope.iterationParentId,
      iterationIndex: instance.scope.iterationIndex,
      waitingOn: instance.waitingOn,
      rerunOf: instance.rerunOf,
      log: instance.log ?? null,
      now: instance.now,
    });
  }

  async setDataIn(id: number, dataIn: StoredDataIn, now: number): Promise<void> {
    this.statements.setDataIn.run({ id, now, ...dataInParams(dataIn) });
  }

  async readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData> {
    return this.data.readData(ids, runIds);
  }

  async insertIterationItems(iterateId: number, items: readonly string[]): Promise<void> {
    this.data.insertIterationItems(iterateId, items);
  }

  async wake(id: number, now: number, waitingOn?: WaitingOn): Promise<boolean> {
    return this.statements.wake.run({ id, now, waitingOn: waitingOn ?? null }).changes === 1;
  }

  async countIterationDone(iterateId: number, now: number): Promise<boolean> {
    const row = this.statements.countIterationDone.get({ id: iterateId, now }) as { woke: number } | undefined;
    return row?.woke === 1;
  }

  async iterationsDone(iterateId: number): Promise<number> {
    return (this.statements.iterationsDone.get(iterateId) as { n: number } | undefined)?.n ?? 0;
  }

  async stopWaitingInstance(id: number, now: number): Promise<TaskInstanceRecord | undefined> {
    const row = this.statements.stopWaitingInstance.get({ id, now }) as TaskInstanceRow | undefined;
    return row && toTaskInstance(row);
  }

  async stopWaitingInstancesOfRun(runId: number, now: number): Promise<number[]> {
    this.statements.stopWaitingOfRun.run({ runId, now });
    return (this.statements.executingOfRun.all(runId) as Array<{ id: number }>).map((row) => row.id);
  }

  async markRerun(id: number, rerunBy: number, now: number): Promise<boolean> {
    return this.statements.markRerun.run({ id, rerunBy, now }).changes === 1;
  }

  async recordApproval(id: number, state: JsonObject, now: number): Promise<boolean> {
    return this.statements.recordApproval.run({ id, state: JSON.stringify(state), now }).changes === 1;
  }

  async runCounts(runId: number): Promise<{ active: number; waiting: number }> {
    return this.statements.runCounts.get(runId) as { active: number; waiting: number };
  }

  async scopeCounts(runId: number, scope: Scope): Promise<{ live: number; liveBesidesMerges: number }> {
    const row = this.statements.scopeCounts.get(scopeParams(runId, scope)) as { live: number; besides: number };
    return { live: row.live, liveBesidesMerges: row.besides };
  }

  async findWaitingMerge(runId: number, taskId: number, scope: Scope): Promise<TaskInstanceRecord | undefined> {
    const row = this.statements.findWaitingMerge.get({ ...scopeParams(runId, scope), taskId }) as
      TaskInstanceRow | undefined;
    return row && toTaskInstance(row);
  }

  async waitingMergeIds(runId: number, scope: Scope): Promise<number[]> {
    return (this.statements.waitingMergeIds.all(scopeParams(runId, scope)) as Array<{ id: number }>).map((r) => r.id);
  }

  async countTaskInScope(runId: number, taskId: number, scope: Scope): Promise<number> {
    return (this.statements.countTaskInScope.get({ ...scopeParams(runId, scope), taskId }) as { n: number }).n;
  }

  async hasFinalSubRun(parentTaskInstanceId: number): Promise<boolean> {
    return (this.statements.hasFinalSubRun.get(parentTaskInstanceId) as { n: number }).n === 1;
  }

  async firstUnhandledError(runId: number): Promise<{ errorClass: string; message: string } | undefined> {
    const row = this.statements.firstUnhandledError.get(runId) as
      { error_class: string | null; error: string | null } | undefined;
    return row && { errorClass: row.error_class ?? 'WorkflowError', message: row.error ?? '' };
  }

  async setRunError(runId: number, errorClass: string, message: string): Promise<void> {
    this.statements.setRunError.run(errorClass, message, runId);
  }

  async recordResponse(runId: number, response: RunResponse, result: RunResult): Promise<boolean> {
    return this.statements.recordResponse.run(JSON.stringify(response), result, runId).changes === 1;
  }

  async setRunStatus(change: RunStatusChange): Promise<RunState | undefined> {
    const row = this.statements.setRunStatus.get({
      runId: change.runId,
      from: JSON.stringify(change.from),
      to: change.to,
      now: change.now,
      isFinish: change.finish ? 1 : 0,
      result: change.finish?.result ?? null,
      ...finishResponse(change),
      isReopen: change.reopen ? 1 : 0,
      errorClass: change.reopen?.error?.errorClass ?? null,
      errorMessage: change.reopen?.error?.message ?? null,
    }) as Omit<RunRow, 'inputs'> | undefined;
    return row && toRunState(row);
  }

  /** Large inputs live in `run_inputs`, out of the row: those runs come without, and are read when needed. */
  async startRuns(start: RunsStart): Promise<Array<RunState | RunRecord>> {
    const rows = this.statements.startRuns.all({
      runIds: JSON.stringify(start.runIds),
      from: JSON.stringify(start.from),
      to: start.to,
      now: start.now,
    }) as Array<Omit<RunRow, 'inputs'> & { inputs: string | null }>;
    return rows.map(toStartedRun);
  }

  claimDue(claim: ClaimRequest): Promise<TaskInstanceRecord[]> {
    return this.claims.claimDue(claim);
  }

  queuedCandidates(query: CandidateQuery): Promise<ClaimCandidate[]> {
    return this.claims.queuedCandidates(query);
  }

  countProcessingOfTask(taskId: number): Promise<number> {
    return this.claims.countProcessingOfTask(taskId);
  }

  countActiveRuns(workflowId: number): Promise<number> {
    return this.claims.countActiveRuns(workflowId);
  }

  claimQueued(ids: readonly number[], claim: Omit<ClaimRequest, 'limit'>): Promise<TaskInstanceRecord[]> {
    return this.claims.claimQueued(ids, claim);
  }
}

function dataInParams(dataIn: StoredDataIn | null): {
  dataBase: number | null;
  dataIn: string | null;
  dataInPatch: string | null;
} {
  return { dataBase: dataIn?.baseId ?? null, dataIn: dataIn?.inWhole ?? null, dataInPatch: dataIn?.inPatch ?? null };
}

function scopeParams(runId: number, scope: Scope): { runId: number; parentId: number | null; index: number | null } {
  return { runId, parentId: scope.iterationParentId, index: scope.iterationIndex };
}
