import type Database from 'better-sqlite3';
import type { RunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { RunStatus } from '../../model/statuses.js';
import type { CompletionResult, TaskCompletion } from '../store.js';
import { toRun, type RunRow } from './rows.js';
import { LOOP_GUARD, type TaskInstanceWriter } from './task-instance-writer.js';

/**
 * How runs move on (called inside a write batch): a task instance's outcome, its successors, the
 * wake-ups it causes (an Iterate whose branch ended, a Merge whose scope went quiet, the parent of a
 * finished sub-run), and the run's new status; and stopping a run. All in one transaction per call.
 */
export class RunProgress {
  private readonly selectRun;
  private readonly selectScope;
  private readonly completeInstance;
  private readonly markRunError;
  private readonly recordResponse;
  private readonly liveCounts;
  private readonly liveInScope;
  private readonly countIterationLive;
  private readonly bumpIterations;
  private readonly waitingMerges;
  private readonly liveBesidesMerges;
  private readonly wakeById;
  private readonly wakeSubRunParent;
  private readonly finishRun;
  private readonly setRunStatus;
  private readonly stopRunStatement;
  private readonly stopWaitingInstances;
  private readonly selectExecutingIds;
  private readonly stopOne;

  constructor(
    db: Database.Database,
    private readonly writer: TaskInstanceWriter,
  ) {
    this.selectRun = db.prepare('SELECT * FROM runs WHERE id = ?');
    this.selectScope = db.prepare(
      'SELECT iteration_parent_id AS iterationParentId, iteration_index AS iterationIndex FROM task_instances WHERE id = ?',
    );
    this.completeInstance = db.prepare(`
      UPDATE task_instances
      SET status = @status, data_out = @dataOut, state = @state, waiting_on = @waitingOn,
          due_at = CASE
            WHEN @waitingOn = 'iterations' AND iterations_done > @doneSeen THEN @now
            -- A sub-run that ended before its caller started waiting must still wake it.
            WHEN @waitingOn = 'sub_run' AND EXISTS (SELECT 1 FROM runs WHERE parent_task_instance_id = @id
                                                    AND status IN ('Finished', 'Stopped')) THEN @now
            ELSE @dueAt END,
          attempt = attempt + @attemptStep, error = @error, error_class = @errorClass, error_details = @errorDetails,
          is_unhandled_error = @isUnhandled,
          log = CASE WHEN @log IS NULL THEN log ELSE COALESCE(log, '') || @log END,
          ended_at = @endedAt, updated_at = @now, locked_by = NULL, lease_until = NULL
      WHERE id = @id AND status = 'Processing' AND locked_by = @nodeId`);
    this.markRunError = db.prepare(`
      UPDATE runs SET error_class = COALESCE(error_class, ?), error_message = COALESCE(error_message, ?)
      WHERE id = ?`);
    this.recordResponse = db.prepare(
      'UPDATE runs SET response = ?, response_result = ? WHERE id = ? AND response IS NULL',
    );
    this.liveCounts = db.prepare(`
      SELECT COALESCE(sum(status IN ('Queued', 'Processing')), 0) AS active,
             COALESCE(sum(status = 'Pending'), 0) AS waiting
      FROM task_instances WHERE run_id = ? AND status IN ('Queued', 'Processing', 'Pending')`);
    this.liveInScope = db.prepare(`
      SELECT count(*) AS n FROM task_instances
      WHERE run_id = @runId AND iteration_parent_id IS @parentId AND iteration_index IS @index
        AND status IN ('Queued', 'Processing', 'Pending')`);
    this.countIterationLive = this.liveInScope;
    // The Iterate wakes only if it is waiting; if it is running, its own completion sees the count.
    this.bumpIterations = db.prepare(`
      UPDATE task_instances
      SET iterations_done = iterations_done + 1,
          due_at = CASE WHEN status = 'Pending' THEN @now ELSE due_at END, updated_at = @now
      WHERE id = @parentId`);
    this.waitingMerges = db.prepare(`
      SELECT id FROM task_instances
      WHERE run_id = @runId AND iteration_parent_id IS @parentId AND iteration_index IS @index
        AND status = 'Pending' AND waiting_on = 'merge' AND due_at IS NULL`);
    this.liveBesidesMerges = db.prepare(`
      SELECT count(*) AS n FROM task_instances
      WHERE run_id = @runId AND iteration_parent_id IS @parentId AND iteration_index IS @index
        AND status IN ('Queued', 'Processing', 'Pending') AND waiting_on IS NOT 'merge'`);
    this.wakeById = db.prepare(
      "UPDATE task_instances SET due_at = ?, updated_at = ? WHERE id = ? AND status = 'Pending'",
    );
    this.wakeSubRunParent = db.prepare(`
      UPDATE task_instances SET due_at = ?, updated_at = ?
      WHERE id = ? AND status = 'Pending' AND waiting_on = 'sub_run'`);
    this.finishRun = db.prepare(`
      UPDATE runs SET status = @status,
                      result = CASE WHEN error_class IS NOT NULL OR response_result = 'Error' THEN 'Error' ELSE 'Success' END,
                      response = COALESCE(response, @response), finished_at = @now, updated_at = @now
      WHERE id = @id AND status IN ('Queued', 'Processing', 'Pending', 'Stopping')
      RETURNING *`);
    this.setRunStatus = db.prepare(
      'UPDATE runs SET status = @to, updated_at = @now WHERE id = @id AND status = @from RETURNING *',
    );
    this.stopRunStatement = db.prepare(`
      UPDATE runs SET status = 'Stopping', updated_at = ?
      WHERE id = ? AND status IN ('Queued', 'Processing', 'Pending') RETURNING *`);
    this.stopWaitingInstances = db.prepare(`
      UPDATE task_instances SET status = 'Stopped', locked_by = NULL, lease_until = NULL, due_at = NULL,
                                ended_at = ?, updated_at = ?
      WHERE run_id = ? AND status IN ('Queued', 'Pending')`);
    this.selectExecutingIds = db.prepare("SELECT id FROM task_instances WHERE run_id = ? AND status = 'Processing'");
    this.stopOne = db.prepare(`
      UPDATE task_instances SET status = 'Stopped', due_at = NULL, ended_at = ?, updated_at = ?
      WHERE id = ? AND status IN ('Queued', 'Pending')
      RETURNING run_id, iteration_parent_id AS iterationParentId, iteration_index AS iterationIndex`);
  }

  private run(id: number): RunRecord {
    const row = this.selectRun.get(id) as RunRow | undefined;
    if (!row) throw new Error(`run ${id} vanished`);
    return toRun(row);
  }

  complete(completion: TaskCompletion): CompletionResult {
    const { now } = completion;
    const instance = completion.scope ??
      (this.selectScope.get(completion.instanceId) as Scope | undefined) ?? {
        iterationParentId: null,
        iterationIndex: null,
      };
    const isPending = completion.status === 'Pending';
    const changes = this.completeInstance.run({
      id: completion.instanceId,
      nodeId: completion.nodeId,
      status: completion.status,
      dataOut: completion.dataOutJson ?? (completion.dataOut === null ? null : JSON.stringify(completion.dataOut)),
      state: completion.state ? JSON.stringify(completion.state) : null,
      waitingOn: isPending ? (completion.waitingOn ?? null) : null,
      doneSeen: completion.iterationsDoneSeen ?? 0,
      dueAt: isPending ? (completion.dueAt ?? null) : null,
      attemptStep: isPending && completion.isRetry ? 1 : 0,
      error: completion.error?.message ?? null,
      errorClass: completion.error?.errorClass ?? null,
      errorDetails: completion.error?.details ?? null,
      isUnhandled: completion.isUnhandledError ? 1 : 0,
      log: completion.log,
      endedAt: isPending ? null : now,
      now,
    }).changes;
    if (changes === 0) {
      const row = this.selectRun.get(completion.runId) as RunRow | undefined;
      return { applied: false, successors: [], run: row && toRun(row), runBecameFinal: false, wokeCount: 0 };
    }
    if (completion.isUnhandledError && completion.error) {
      this.markRunError.run(completion.error.errorClass, completion.error.message, completion.runId);
    }
    if (completion.response) {
      const { runResult, ...response } = completion.response;
      this.recordResponse.run(JSON.stringify(response), runResult, completion.runId);
    }
    const run = this.run(completion.runId);
    const isStopping = run.status === 'Stopping' || run.status === 'Stopped';
    const claimFor =
      completion.claimSuccessorsUntil === null
        ? null
        : { nodeId: completion.nodeId, leaseUntil: completion.claimSuccessorsUntil };
    const successors: TaskInstanceRecord[] = [];
    const wokeCount = 0;
    if (!isStopping) {
      for (const spec of completion.successors) {
        const added = this.writer.add(run, spec, { claimFor, now });
        if (added.kind === 'inserted') successors.push(added.instance);
        if (added.kind === 'loop-guard') {
          this.markRunError.run(
            'WorkflowError::LoopGuard',
            `Task "${added.taskName}" ran ${LOOP_GUARD} times in this run; the loop guard stopped the run.`,
            run.id,
          );
        }
      }
    }
    const response =
      completion.status === 'Success' && run.errorClass === null
        ? `{"code":200,"body":${completion.dataOutJson ?? JSON.stringify(completion.dataOut)}}`
        : null;
    const settled = this.settle(
      run,
      instance,
      completion.status !== 'Pending',
      response,
      now,
      completion.mayHaveMerges ?? true,
    );
    return { applied: true, successors, ...settled, wokeCount: wokeCount + settled.wokeCount };
  }

  /**
   * After a task instance changed: wakes what its end unblocks in its scope, then moves the run on —
   * final when nothing is live (answering `finalResponse` unless a response task answered), else
   * `Processing` or `Pending`.
   */
  private settle(
    before: RunRecord,
    instance: Scope,
    isInstanceFinal: boolean,
    finalResponse: string | null,
    now: number,
    mayHaveMerges = true,
  ): { run: RunRecord; runBecameFinal: boolean; wokeCount: number } {
    let run = before;
    let wokeCount = this.wakeAfter(run.id, instance, isInstanceFinal, now, mayHaveMerges);
    const isStopping = run.status === 'Stopping' || run.status === 'Stopped';
    const live = this.liveCounts.get(run.id) as { active: number; waiting: number };
    if (live.active + live.waiting === 0) {
      const finished = this.finishRun.get({
        id: run.id,
        status: isStopping ? 'Stopped' : 'Finished',
        response: finalResponse,
        now,
      }) as RunRow | undefined;
      if (!finished) return { run, runBecameFinal: false, wokeCount };
      const final = toRun(finished);
      if (final.parentTaskInstanceId !== null) {
        wokeCount += this.wakeSubRunParent.run(now, now, final.parentTaskInstanceId).changes;
      }
      return { run: final, runBecameFinal: true, wokeCount };
    }
    const next: RunStatus = isStopping ? run.status : live.active > 0 ? 'Processing' : 'Pending';
    if (next !== run.status) {
      const row = this.setRunStatus.get({ id: run.id, from: run.status, to: next, now }) as RunRow | undefined;
      if (row) run = toRun(row);
    }
    return { run, runBecameFinal: false, wokeCount };
  }

  /**
   * Stops one waiting task instance (`Queued` or `Pending`: a delay, an approval nobody will give) and
   * moves its run on as if it had ended. Undefined when it was not waiting.
   */
  stopTaskInstance(
    id: number,
    now: number,
  ): { run: RunRecord; runBecameFinal: boolean; wokeCount: number } | undefined {
    const row = this.stopOne.get(now, now, id) as
      { run_id: number; iterationParentId: number | null; iterationIndex: number | null } | undefined;
    if (!row) return undefined;
    return this.settle(this.run(row.run_id), row, true, null, now);
  }

  /** Wake-ups a completion causes in its scope: an ended For Each branch, a Merge whose scope went quiet. */
  private wakeAfter(runId: number, instance: Scope, isFinal: boolean, now: number, mayHaveMerges: boolean): number {
    let woke = 0;
    const scope = { runId, parentId: instance.iterationParentId, index: instance.iterationIndex };
    if (isFinal && instance.iterationParentId !== null) {
      if ((this.countIterationLive.get(scope) as { n: number }).n === 0) {
        woke += this.bumpIterations.run({ parentId: instance.iterationParentId, now }).changes;
      }
    }
    if (!mayHaveMerges) return woke;
    const merges = this.waitingMerges.all(scope) as Array<{ id: number }>;
    if (merges.length > 0 && (this.liveBesidesMerges.get(scope) as { n: number }).n === 0) {
      for (const merge of merges) woke += this.wakeById.run(now, now, merge.id).changes;
    }
    return woke;
  }

  stop(runId: number, now: number): { run: RunRecord; executingIds: number[] } | undefined {
    const stopping = this.stopRunStatement.get(now, runId) as RunRow | undefined;
    if (!stopping) {
      const row = this.selectRun.get(runId) as RunRow | undefined;
      return row && { run: toRun(row), executingIds: [] };
    }
    this.stopWaitingInstances.run(now, now, runId);
    const executingIds = (this.selectExecutingIds.all(runId) as Array<{ id: number }>).map((row) => row.id);
    if (executingIds.length === 0) {
      const stopped = this.finishRun.get({ id: runId, status: 'Stopped', response: null, now }) as RunRow;
      return { run: toRun(stopped), executingIds };
    }
    return { run: toRun(stopping), executingIds };
  }
}

/** The For Each branch a task instance belongs to; both null outside any Iterate. */
interface Scope {
  iterationParentId: number | null;
  iterationIndex: number | null;
}
