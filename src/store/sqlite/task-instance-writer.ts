import type Database from 'better-sqlite3';
import { deepMerge } from '../../model/deep-merge.js';
import type { JsonObject, RunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { NewTaskInstanceSpec } from '../store.js';
import type { IdAllocator } from './id-allocator.js';
import { priorityRank, toTaskInstance, type TaskInstanceRow } from './rows.js';

/** The loop guard: a task may run at most this many times in one scope of a run (engine.md). */
export const LOOP_GUARD = 1000;

/** Where a new task instance goes: into the queue, claimed by a node at once, or merged into a waiting Merge. */
export type Inserted =
  | { kind: 'inserted'; instance: TaskInstanceRecord }
  | { kind: 'merged'; into: number }
  /** The first arrival at a Merge: a `Pending` instance that waits for its scope to go quiet. */
  | { kind: 'waiting'; instance: TaskInstanceRecord }
  | { kind: 'loop-guard'; taskName: string };

/** Inserts task instances (called inside a write batch): the one place their INSERT lives. */
export class TaskInstanceWriter {
  private readonly insert;
  private readonly findWaitingMerge;
  private readonly updateDataIn;
  private readonly countInScope;

  constructor(
    db: Database.Database,
    private readonly ids: IdAllocator,
  ) {
    this.insert = db.prepare(`
      INSERT INTO task_instances (id, run_id, workflow_id, version_id, task_id, name, action_type, status,
                                  priority_rank, previous_id, data_in, locked_by, lease_until, started_at,
                                  iteration_parent_id, iteration_index, waiting_on, rerun_of, created_at, updated_at)
      VALUES (@id, @runId, @workflowId, @versionId, @taskId, @name, @actionType, @status, @priorityRank,
              @previousId, @dataIn, @lockedBy, @leaseUntil, @startedAt,
              @iterationParentId, @iterationIndex, @waitingOn, @rerunOf, @now, @now)
      RETURNING *`);
    this.findWaitingMerge = db.prepare(`
      SELECT id, data_in FROM task_instances
      WHERE run_id = @runId AND task_id = @taskId AND status = 'Pending' AND waiting_on = 'merge'
        AND iteration_parent_id IS @iterationParentId AND iteration_index IS @iterationIndex
      LIMIT 1`);
    this.updateDataIn = db.prepare('UPDATE task_instances SET data_in = ?, updated_at = ? WHERE id = ?');
    this.countInScope = db.prepare(`
      SELECT count(*) AS n FROM task_instances
      WHERE run_id = @runId AND task_id = @taskId
        AND iteration_parent_id IS @iterationParentId AND iteration_index IS @iterationIndex`);
  }

  add(
    run: RunRecord,
    spec: NewTaskInstanceSpec,
    options: {
      claimFor: { nodeId: string; leaseUntil: number } | null;
      now: number;
      rerunOf?: number;
      /** A run's first tasks cannot have run before: no loop guard count needed. */
      isEntry?: boolean;
      /** An id assigned beforehand (the one-batch responsive path); else the next one. */
      id?: number;
    },
  ): Inserted {
    const scope = { iterationParentId: spec.iterationParentId ?? null, iterationIndex: spec.iterationIndex ?? null };
    const key = { runId: run.id, taskId: spec.taskId, ...scope };
    if (spec.isMergeArrival) {
      const waiting = this.findWaitingMerge.get(key) as { id: number; data_in: string | null } | undefined;
      if (waiting) {
        const base = waiting.data_in === null ? {} : (JSON.parse(waiting.data_in) as JsonObject);
        this.updateDataIn.run(JSON.stringify(deepMerge(base, spec.dataIn ?? {})), options.now, waiting.id);
        return { kind: 'merged', into: waiting.id };
      }
    }
    if (
      options.rerunOf === undefined &&
      options.isEntry !== true &&
      (this.countInScope.get(key) as { n: number }).n >= LOOP_GUARD
    ) {
      return { kind: 'loop-guard', taskName: spec.name };
    }
    const claimFor = spec.isMergeArrival ? null : options.claimFor;
    const row = this.insert.get({
      id: options.id ?? this.ids.next('task'),
      runId: run.id,
      workflowId: run.workflowId,
      versionId: run.versionId,
      taskId: spec.taskId,
      name: spec.name,
      actionType: spec.actionType,
      status: spec.isMergeArrival ? 'Pending' : claimFor ? 'Processing' : 'Queued',
      priorityRank: priorityRank(run.priority),
      previousId: spec.previousId,
      dataIn: spec.dataIn === null ? null : JSON.stringify(spec.dataIn),
      lockedBy: claimFor?.nodeId ?? null,
      leaseUntil: claimFor?.leaseUntil ?? null,
      startedAt: claimFor ? options.now : null,
      ...scope,
      waitingOn: spec.isMergeArrival ? 'merge' : null,
      rerunOf: options.rerunOf ?? null,
      now: options.now,
    }) as TaskInstanceRow;
    const instance = toTaskInstance(row);
    return spec.isMergeArrival ? { kind: 'waiting', instance } : { kind: 'inserted', instance };
  }
}
