import type Database from 'better-sqlite3';
import type { DraftRows } from '../queue-store.js';
import { priorityRank } from '../rows.js';
import { LARGE_INPUTS_CHARS } from './run-columns.js';
import type { TaskUsageCounter } from './task-usage-counter.js';

/**
 * Writes a run drafted in memory (`QueueStore.draftRun`) as it is: one INSERT for the run, final or not,
 * and one per task instance with its outcome. A finished one-task responsive run is two rows written
 * once, instead of inserted and then updated by each step (docs/architecture.md). Runs inside a batch.
 */
export class DraftWriter {
  private readonly insertRun;
  private readonly insertInputs;
  private readonly insertInstance;

  constructor(
    db: Database.Database,
    private readonly usage: TaskUsageCounter,
  ) {
    this.insertRun = db.prepare(`
      INSERT INTO runs (id, workflow_id, version_id, seq, status, result, mode, priority, inputs, run_user,
                        previous_run_at, response, response_result, error_class, error_message,
                        parent_task_instance_id, depth, idempotency_key, idempotency_digest, created_at,
                        updated_at, started_at, finished_at)
      VALUES (@id, @workflowId, @versionId, @seq, @status, @result, @mode, @priority, @inputs, @runUser,
              @previousRunAt, @response, @responseResult, @errorClass, @errorMessage, @parentTaskInstanceId,
              @depth, @idempotencyKey, @idempotencyDigest, @createdAt, @updatedAt, @startedAt, @finishedAt)`);
    this.insertInputs = db.prepare('INSERT INTO run_inputs (run_id, inputs) VALUES (?, ?)');
    this.insertInstance = db.prepare(`
      INSERT INTO task_instances (id, run_id, workflow_id, version_id, task_id, name, action_type, status,
                                  priority_rank, previous_id, data_base, data_in, data_in_patch, data_out,
                                  data_out_patch, state, attempt, due_at, locked_by, lease_until, error,
                                  error_class, error_details, log, iteration_parent_id, iteration_index,
                                  iterations_done, waiting_on, is_unhandled_error, rerun_of, started_at,
                                  ended_at, created_at, updated_at)
      VALUES (@id, @runId, @workflowId, @versionId, @taskId, @name, @actionType, @status, @priorityRank,
              @previousId, @dataBase, @dataIn, @dataInPatch, @dataOut, @dataOutPatch, @state, @attempt, @dueAt,
              @lockedBy, @leaseUntil, @error, @errorClass, @errorDetails, @log, @iterationParentId,
              @iterationIndex, @iterationsDone, @waitingOn, @isUnhandled, @rerunOf, @startedAt, @endedAt,
              @createdAt, @updatedAt)`);
  }

  write(seq: number, inputsJson: string, rows: DraftRows): void {
    const { run } = rows;
    const isLarge = inputsJson.length > LARGE_INPUTS_CHARS;
    this.insertRun.run({
      id: run.id,
      workflowId: run.workflowId,
      versionId: run.versionId,
      seq,
      status: run.status,
      result: run.result,
      mode: run.mode,
      priority: run.priority,
      inputs: isLarge ? '' : inputsJson,
      runUser: run.runUser,
      previousRunAt: run.previousRunAt,
      response: rows.responseJson,
      responseResult: run.responseResult,
      errorClass: run.errorClass,
      errorMessage: run.errorMessage,
      parentTaskInstanceId: run.parentTaskInstanceId,
      depth: run.depth,
      idempotencyKey: run.idempotencyKey ?? null,
      idempotencyDigest: run.idempotencyDigest ?? null,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
    });
    if (isLarge) this.insertInputs.run(run.id, inputsJson);
    const rank = priorityRank(run.priority);
    for (const { record, heldBy } of rows.instances) {
      this.usage.count(record.createdAt);
      this.insertInstance.run({
        id: record.id,
        runId: record.runId,
        workflowId: record.workflowId,
        versionId: record.versionId,
        taskId: record.taskId,
        name: record.name,
        actionType: record.actionType,
        status: record.status,
        priorityRank: rank,
        previousId: record.previousId,
        dataBase: record.storedData.baseId,
        dataIn: record.storedData.inWhole,
        dataInPatch: record.storedData.inPatch,
        dataOut: record.storedData.outWhole,
        dataOutPatch: record.storedData.outPatch,
        state: record.state === null ? null : JSON.stringify(record.state),
        attempt: record.attempt,
        dueAt: record.dueAt,
        lockedBy: heldBy?.nodeId ?? null,
        leaseUntil: heldBy?.leaseUntil ?? null,
        error: record.error,
        errorClass: record.errorClass,
        errorDetails: record.errorDetails,
        log: record.log,
        iterationParentId: record.iterationParentId,
        iterationIndex: record.iterationIndex,
        iterationsDone: record.iterationsDone,
        waitingOn: record.waitingOn,
        isUnhandled: record.isUnhandledError ? 1 : 0,
        rerunOf: record.rerunOf,
        startedAt: record.startedAt,
        endedAt: record.endedAt,
        createdAt: record.createdAt,
        updatedAt: record.updatedAt,
      });
    }
  }
}
