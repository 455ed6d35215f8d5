import type Database from 'better-sqlite3';
import type { RunRecord, TaskCounts, TaskInstanceRecord } from '../../model/records.js';
import type { ClaimRequest, NewRun, PageRequest, RunFilter } from '../store.js';
import type { IdAllocator } from './id-allocator.js';
import type { RunCounters } from './run-counters.js';
import type { TaskInstanceWriter } from './task-instance-writer.js';
import { QueuedClaims } from './queued-claims.js';
import { runName, toRun, toTaskInstance, type RunRow, type TaskInstanceRow } from './rows.js';

/** Runs and task instances on SQLite: the trigger path and the claim loop. Writes run inside a batch. */
export class RunQueries {
  private readonly selectRun;
  private readonly selectRunByKey;
  private readonly forgetKey;
  private readonly bumpWorkflowCounter;
  private readonly insertRun;
  private readonly selectInstance;
  private readonly selectInstancesOfRun;
  private readonly countByStatus;
  private readonly claimQueued;
  private readonly claimDue;
  private readonly startRuns;
  private readonly renewLease;
  private readonly releaseInstance;
  private readonly requeueAbandoned;
  private readonly selectNextDue;

  constructor(
    private readonly db: Database.Database,
    private readonly ids: IdAllocator,
    private readonly writer: TaskInstanceWriter,
    private readonly counters: RunCounters,
  ) {
    this.selectRun = db.prepare('SELECT * FROM runs WHERE id = ?');
    this.selectRunByKey = db.prepare('SELECT * FROM runs WHERE workflow_id = ? AND idempotency_key = ?');
    this.forgetKey = db.prepare('UPDATE runs SET idempotency_key = NULL WHERE id = ?');
    this.bumpWorkflowCounter = db.prepare(`
      UPDATE workflows SET run_count = MAX(run_count, @seq), previous_run_at = @previousRunAt, last_run_at = @now
      WHERE id = @workflowId`);
    this.insertRun = db.prepare(`
      INSERT INTO runs (id, workflow_id, version_id, seq, status, mode, priority, inputs, run_user, previous_run_at,
                        idempotency_key, parent_task_instance_id, depth, created_at, updated_at, started_at)
      VALUES (@id, @workflowId, @versionId, @seq, @status, @mode, @priority, @inputs, @runUser, @previousRunAt,
              @idempotencyKey, @parentTaskInstanceId, @depth, @now, @now, @startedAt)`);
    this.selectInstance = db.prepare('SELECT * FROM task_instances WHERE id = ?');
    this.selectInstancesOfRun = db.prepare('SELECT * FROM task_instances WHERE run_id = ? ORDER BY id');
    // A task instance that was rerun is history: its rerun counts instead.
    this.countByStatus = db.prepare(
      'SELECT status, count(*) AS n FROM task_instances WHERE run_id = ? AND rerun_by IS NULL GROUP BY status',
    );
    this.claimQueued = new QueuedClaims(db);
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
    const prepared = this.prepareRun(input);
    return { ...prepared.write(), created: true };
  }

  /**
   * Assigns a new run's id, number and first task instances' ids now, and returns the records it will
   * have together with the write that stores them (to run inside a batch). Lets a responsive run start
   * executing while its INSERT waits for the group commit (see `SqliteStore.beginRun`).
   */
  prepareRun(input: NewRun): {
    run: RunRecord;
    instanceIds: number[];
    write: () => { run: RunRecord; instances: TaskInstanceRecord[] };
  } {
    const counter = this.counters.next(input.workflowId, input.now);
    if (!counter) throw new Error(`workflow ${input.workflowId} does not exist`);
    const isClaimed = input.claimFor !== null;
    const values = {
      id: this.ids.next('object'),
      workflowId: input.workflowId,
      versionId: input.versionId,
      seq: counter.seq,
      status: isClaimed ? 'Processing' : 'Queued',
      mode: input.mode,
      priority: input.priority,
      inputs: JSON.stringify(input.inputs),
      runUser: input.runUser,
      previousRunAt: counter.previousRunAt,
      idempotencyKey: input.idempotencyKey,
      parentTaskInstanceId: input.parentTaskInstanceId ?? null,
      depth: input.depth ?? 0,
      now: input.now,
      startedAt: isClaimed ? input.now : null,
    };
    const run: RunRecord = {
      id: values.id,
      workflowId: input.workflowId,
      versionId: input.versionId,
      name: runName(input.workflowId, counter.seq),
      status: isClaimed ? 'Processing' : 'Queued',
      result: null,
      mode: input.mode,
      priority: input.priority,
      inputs: input.inputs,
      runUser: input.runUser,
      previousRunAt: counter.previousRunAt,
      response: null,
      responseResult: null,
      errorClass: null,
      errorMessage: null,
      parentTaskInstanceId: values.parentTaskInstanceId,
      depth: values.depth,
      createdAt: input.now,
      updatedAt: input.now,
      startedAt: values.startedAt,
      finishedAt: null,
    };
    const instanceIds = input.entryTasks.map(() => this.ids.next('task'));
    return {
      run,
      instanceIds,
      write: () => {
        this.bumpWorkflowCounter.run({
          seq: counter.seq,
          previousRunAt: counter.previousRunAt,
          now: input.now,
          workflowId: input.workflowId,
        });
        this.insertRun.run(values);
        const instances = input.entryTasks.flatMap((spec, i) => {
          const added = this.writer.add(run, spec, {
            claimFor: input.claimFor,
            now: input.now,
            isEntry: true,
            id: instanceIds[i],
          });
          return added.kind === 'inserted' ? [added.instance] : [];
        });
        return { run, instances };
      },
    };
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
    if (filter.result !== undefined) {
      where.push('result = ?');
      params.push(filter.result);
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
      // Queued work, within the tasks' concurrent_limit and the workflows' concurrent_run_limit.
      rows.push(...this.claimQueued.claim({ ...params, limit: request.limit - rows.length }));
    }
    const runIds = new Set(rows.map((row) => row.run_id));
    for (const runId of runIds) this.startRuns.run({ runId, now: request.now });
    return rows.map(toTaskInstance);
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
}
