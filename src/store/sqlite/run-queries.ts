import type Database from 'better-sqlite3';
import type { RunRecord, TaskCounts, TaskInstanceRecord } from '../../model/records.js';
import type { RunStatus } from '../../model/statuses.js';
import type {
  ClaimRequest,
  CompletionResult,
  NewRun,
  NewTaskInstanceSpec,
  PageRequest,
  RunFilter,
  TaskCompletion,
} from '../store.js';
import type { IdAllocator } from './id-allocator.js';
import { priorityRank, toRun, toTaskInstance, type RunRow, type TaskInstanceRow } from './rows.js';

/** Runs and task instances on SQLite: the trigger path and the claim loop. Writes run inside a batch. */
export class RunQueries {
  private readonly selectRun;
  private readonly selectRunByKey;
  private readonly forgetKey;
  private readonly bumpWorkflowCounter;
  private readonly insertRun;
  private readonly insertInstance;
  private readonly selectInstance;
  private readonly selectInstancesOfRun;
  private readonly countByStatus;
  private readonly claimQueued;
  private readonly claimDue;
  private readonly startRuns;
  private readonly completeInstance;
  private readonly markRunError;
  private readonly recordResponse;
  private readonly liveCounts;
  private readonly finishRun;
  private readonly setRunStatus;
  private readonly renewLease;
  private readonly releaseInstance;
  private readonly requeueAbandoned;
  private readonly selectNextDue;
  private readonly stopRunStatement;
  private readonly stopWaitingInstances;
  private readonly selectExecutingIds;

  constructor(
    private readonly db: Database.Database,
    private readonly ids: IdAllocator,
  ) {
    this.selectRun = db.prepare('SELECT * FROM runs WHERE id = ?');
    this.selectRunByKey = db.prepare('SELECT * FROM runs WHERE workflow_id = ? AND idempotency_key = ?');
    this.forgetKey = db.prepare('UPDATE runs SET idempotency_key = NULL WHERE id = ?');
    // SET expressions read the row as it was, so previous_run_at receives the old last_run_at.
    this.bumpWorkflowCounter = db.prepare(`
      UPDATE workflows SET run_count = run_count + 1, previous_run_at = last_run_at, last_run_at = ?
      WHERE id = ? RETURNING run_count, previous_run_at`);
    this.insertRun = db.prepare(`
      INSERT INTO runs (id, workflow_id, version_id, seq, status, mode, priority, inputs, run_user, previous_run_at,
                        idempotency_key, created_at, updated_at, started_at)
      VALUES (@id, @workflowId, @versionId, @seq, @status, @mode, @priority, @inputs, @runUser, @previousRunAt,
              @idempotencyKey, @now, @now, @startedAt)
      RETURNING *`);
    this.insertInstance = db.prepare(`
      INSERT INTO task_instances (id, run_id, workflow_id, version_id, task_id, name, action_type, status,
                                  priority_rank, previous_id, data_in, locked_by, lease_until, started_at,
                                  created_at, updated_at)
      VALUES (@id, @runId, @workflowId, @versionId, @taskId, @name, @actionType, @status, @priorityRank,
              @previousId, @dataIn, @lockedBy, @leaseUntil, @startedAt, @now, @now)
      RETURNING *`);
    this.selectInstance = db.prepare('SELECT * FROM task_instances WHERE id = ?');
    this.selectInstancesOfRun = db.prepare('SELECT * FROM task_instances WHERE run_id = ? ORDER BY id');
    this.countByStatus = db.prepare(
      'SELECT status, count(*) AS n FROM task_instances WHERE run_id = ? GROUP BY status',
    );
    this.claimQueued = db.prepare(`
      UPDATE task_instances
      SET status = 'Processing', locked_by = @nodeId, lease_until = @leaseUntil,
          started_at = COALESCE(started_at, @now), updated_at = @now
      WHERE id IN (SELECT id FROM task_instances WHERE status = 'Queued' ORDER BY priority_rank, id LIMIT @limit)
      RETURNING *`);
    this.claimDue = db.prepare(`
      UPDATE task_instances
      SET status = 'Processing', locked_by = @nodeId, lease_until = @leaseUntil, due_at = NULL, updated_at = @now
      WHERE id IN (SELECT id FROM task_instances
                   WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= @now
                   ORDER BY due_at LIMIT @limit)
      RETURNING *`);
    this.startRuns = db.prepare(`
      UPDATE runs SET status = 'Processing', started_at = COALESCE(started_at, @now), updated_at = @now
      WHERE id = @runId AND status IN ('Queued', 'Pending')`);
    this.completeInstance = db.prepare(`
      UPDATE task_instances
      SET status = @status, data_out = @dataOut, state = @state, due_at = @dueAt, attempt = attempt + @attemptStep,
          error = @error, error_class = @errorClass, error_details = @errorDetails,
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
    this.finishRun = db.prepare(`
      UPDATE runs SET status = @status,
                      result = CASE WHEN error_class IS NOT NULL OR response_result = 'Error' THEN 'Error' ELSE 'Success' END,
                      response = COALESCE(response, @response), finished_at = @now, updated_at = @now
      WHERE id = @id AND status IN ('Queued', 'Processing', 'Pending', 'Stopping')
      RETURNING *`);
    this.setRunStatus = db.prepare(`
      UPDATE runs SET status = @to, updated_at = @now WHERE id = @id AND status = @from RETURNING *`);
    this.renewLease = db.prepare(
      "UPDATE task_instances SET lease_until = ? WHERE id = ? AND status = 'Processing' AND locked_by = ?",
    );
    this.releaseInstance = db.prepare(`
      UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = ?
      WHERE id = ? AND status = 'Processing' AND locked_by = ?`);
    // SQLite is single-process: at start, whatever is Processing belongs to a process that is gone.
    this.requeueAbandoned = db.prepare(`
      UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = ?
      WHERE status = 'Processing' AND locked_by IS NOT ?`);
    this.selectNextDue = db.prepare(
      "SELECT min(due_at) AS due FROM task_instances WHERE status = 'Pending' AND due_at IS NOT NULL",
    );
    this.stopRunStatement = db.prepare(`
      UPDATE runs SET status = 'Stopping', updated_at = ?
      WHERE id = ? AND status IN ('Queued', 'Processing', 'Pending') RETURNING *`);
    this.stopWaitingInstances = db.prepare(`
      UPDATE task_instances SET status = 'Stopped', locked_by = NULL, lease_until = NULL, due_at = NULL,
                                ended_at = ?, updated_at = ?
      WHERE run_id = ? AND status IN ('Queued', 'Pending')`);
    this.selectExecutingIds = db.prepare("SELECT id FROM task_instances WHERE run_id = ? AND status = 'Processing'");
  }

  createRun(input: NewRun): { run: RunRecord; instances: TaskInstanceRecord[]; created: boolean } {
    if (input.idempotencyKey !== null) {
      const existing = this.selectRunByKey.get(input.workflowId, input.idempotencyKey) as RunRow | undefined;
      if (existing) {
        if (input.now - existing.created_at < input.idempotencyWindowMs) {
          return { run: toRun(existing), instances: [], created: false };
        }
        this.forgetKey.run(existing.id);
      }
    }
    const counter = this.bumpWorkflowCounter.get(input.now, input.workflowId) as
      { run_count: number; previous_run_at: number | null } | undefined;
    if (!counter) throw new Error(`workflow ${input.workflowId} does not exist`);
    const isClaimed = input.claimFor !== null;
    const runRow = this.insertRun.get({
      id: this.ids.next('object'),
      workflowId: input.workflowId,
      versionId: input.versionId,
      seq: counter.run_count,
      status: isClaimed ? 'Processing' : 'Queued',
      mode: input.mode,
      priority: input.priority,
      inputs: JSON.stringify(input.inputs),
      runUser: input.runUser,
      previousRunAt: counter.previous_run_at,
      idempotencyKey: input.idempotencyKey,
      now: input.now,
      startedAt: isClaimed ? input.now : null,
    }) as RunRow;
    const run = toRun(runRow);
    const instances = input.entryTasks.map((spec) => this.insertTaskInstance(run, spec, input.claimFor, input.now));
    return { run, instances, created: true };
  }

  private insertTaskInstance(
    run: RunRecord,
    spec: NewTaskInstanceSpec,
    claimFor: { nodeId: string; leaseUntil: number } | null,
    now: number,
  ): TaskInstanceRecord {
    const row = this.insertInstance.get({
      id: this.ids.next('task'),
      runId: run.id,
      workflowId: run.workflowId,
      versionId: run.versionId,
      taskId: spec.taskId,
      name: spec.name,
      actionType: spec.actionType,
      status: claimFor ? 'Processing' : 'Queued',
      priorityRank: priorityRank(run.priority),
      previousId: spec.previousId,
      dataIn: spec.dataIn === null ? null : JSON.stringify(spec.dataIn),
      lockedBy: claimFor?.nodeId ?? null,
      leaseUntil: claimFor?.leaseUntil ?? null,
      startedAt: claimFor ? now : null,
      now,
    }) as TaskInstanceRow;
    return toTaskInstance(row);
  }

  getRun(id: number): RunRecord | undefined {
    const row = this.selectRun.get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  listRuns(filter: RunFilter, page: PageRequest): RunRecord[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.workflowId !== undefined) {
      where.push('workflow_id = ?');
      params.push(filter.workflowId);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY id DESC LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...params, page.limit, page.offset) as RunRow[]).map(toRun);
  }

  countTasks(runId: number): TaskCounts {
    const counts: TaskCounts = { total: 0, queued: 0, processing: 0, pending: 0, stopped: 0, success: 0, error: 0 };
    for (const row of this.countByStatus.all(runId) as Array<{ status: string; n: number }>) {
      const key = row.status.toLowerCase() as keyof TaskCounts;
      if (key in counts) counts[key] += row.n;
      counts.total += row.n;
    }
    return counts;
  }

  getTaskInstance(id: number): TaskInstanceRecord | undefined {
    const row = this.selectInstance.get(id) as TaskInstanceRow | undefined;
    return row && toTaskInstance(row);
  }

  listTaskInstances(runId: number): TaskInstanceRecord[] {
    return (this.selectInstancesOfRun.all(runId) as TaskInstanceRow[]).map(toTaskInstance);
  }

  claim(request: ClaimRequest): TaskInstanceRecord[] {
    const params = { nodeId: request.nodeId, leaseUntil: request.leaseUntil, now: request.now, limit: request.limit };
    const rows = this.claimDue.all(params) as TaskInstanceRow[];
    if (rows.length < request.limit) {
      rows.push(...(this.claimQueued.all({ ...params, limit: request.limit - rows.length }) as TaskInstanceRow[]));
    }
    const runIds = new Set(rows.map((row) => row.run_id));
    for (const runId of runIds) this.startRuns.run({ runId, now: request.now });
    return rows.map(toTaskInstance);
  }

  complete(completion: TaskCompletion): CompletionResult {
    const { now } = completion;
    const changes = this.completeInstance.run({
      id: completion.instanceId,
      nodeId: completion.nodeId,
      status: completion.status,
      dataOut: completion.dataOut === null ? null : JSON.stringify(completion.dataOut),
      state: completion.state ? JSON.stringify(completion.state) : null,
      dueAt: completion.status === 'Pending' ? (completion.dueAt ?? null) : null,
      attemptStep: completion.status === 'Pending' && completion.isRetry ? 1 : 0,
      error: completion.error?.message ?? null,
      errorClass: completion.error?.errorClass ?? null,
      errorDetails: completion.error?.details ?? null,
      log: completion.log,
      endedAt: completion.status === 'Pending' ? null : now,
      now,
    }).changes;
    if (changes === 0)
      return { applied: false, successors: [], run: this.getRun(completion.runId), runBecameFinal: false };

    if (completion.isUnhandledError && completion.error) {
      this.markRunError.run(completion.error.errorClass, completion.error.message, completion.runId);
    }
    if (completion.response) {
      const { runResult, ...response } = completion.response;
      this.recordResponse.run(JSON.stringify(response), runResult, completion.runId);
    }
    let run = this.getRun(completion.runId);
    if (!run) throw new Error(`run ${completion.runId} vanished`);
    const isStopping = run.status === 'Stopping' || run.status === 'Stopped';
    const claimFor =
      completion.claimSuccessorsUntil === null
        ? null
        : { nodeId: completion.nodeId, leaseUntil: completion.claimSuccessorsUntil };
    const successors = isStopping
      ? []
      : completion.successors.map((spec) => this.insertTaskInstance(run as RunRecord, spec, claimFor, now));

    const live = this.liveCounts.get(completion.runId) as { active: number; waiting: number };
    if (live.active + live.waiting === 0) {
      const finished = this.finishRun.get({
        id: run.id,
        status: isStopping ? 'Stopped' : 'Finished',
        response:
          completion.status === 'Success' && run.errorClass === null
            ? JSON.stringify({ code: 200, body: completion.dataOut })
            : null,
        now,
      }) as RunRow | undefined;
      if (finished) return { applied: true, successors, run: toRun(finished), runBecameFinal: true };
      return { applied: true, successors, run, runBecameFinal: false };
    }
    const next: RunStatus = isStopping ? run.status : live.active > 0 ? 'Processing' : 'Pending';
    if (next !== run.status) {
      const row = this.setRunStatus.get({ id: run.id, from: run.status, to: next, now }) as RunRow | undefined;
      if (row) run = toRun(row);
    }
    return { applied: true, successors, run, runBecameFinal: false };
  }

  renewLeases(nodeId: string, ids: readonly number[], leaseUntil: number): void {
    for (const id of ids) this.renewLease.run(leaseUntil, id, nodeId);
  }

  release(nodeId: string, ids: readonly number[], now: number): void {
    for (const id of ids) this.releaseInstance.run(now, id, nodeId);
  }

  recoverAbandoned(nodeId: string, now: number): number {
    return this.requeueAbandoned.run(now, nodeId).changes;
  }

  nextDueAt(): number | null {
    return (this.selectNextDue.get() as { due: number | null }).due;
  }

  stopRun(runId: number, now: number): { run: RunRecord; executingIds: number[] } | undefined {
    const stopping = this.stopRunStatement.get(now, runId) as RunRow | undefined;
    if (!stopping) {
      const run = this.getRun(runId);
      return run && { run, executingIds: [] };
    }
    this.stopWaitingInstances.run(now, now, runId);
    const executingIds = (this.selectExecutingIds.all(runId) as Array<{ id: number }>).map((row) => row.id);
    if (executingIds.length === 0) {
      const stopped = this.finishRun.get({
        id: runId,
        status: 'Stopped',
        response: null,
        now,
      }) as RunRow;
      return { run: toRun(stopped), executingIds };
    }
    return { run: toRun(stopping), executingIds };
  }
}
