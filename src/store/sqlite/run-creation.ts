import type Database from 'better-sqlite3';
import type { RunRecord, TaskInstanceRecord } from '../../model/records.js';
import type { NewRun } from '../store-inputs.js';
import type { IdAllocator } from './id-allocator.js';
import type { SqliteQueueTransaction } from './queue-transaction.js';
import type { RunCounters } from './run-counters.js';
import { entryInstance, insertedInstance, plannedRun } from '../planned-run.js';
import { toRun, type RunRow } from '../rows.js';
import { LARGE_INPUTS_CHARS, SELECT_RUN_WITH_INPUTS } from './run-columns.js';

/** New runs on SQLite: the run row, its workflow's counter and its entry task instances. Writes run inside a batch. */
export class RunCreation {
  private readonly selectRunByKey;
  private readonly forgetKey;
  private readonly insertRun;
  private readonly insertInputs;

  constructor(
    db: Database.Database,
    private readonly ids: IdAllocator,
    private readonly counters: RunCounters,
    private readonly tx: SqliteQueueTransaction,
  ) {
    this.selectRunByKey = db.prepare(`${SELECT_RUN_WITH_INPUTS} WHERE workflow_id = ? AND idempotency_key = ?`);
    this.insertInputs = db.prepare('INSERT INTO run_inputs (run_id, inputs) VALUES (?, ?)');
    this.forgetKey = db.prepare('UPDATE runs SET idempotency_key = NULL WHERE id = ?');
    this.insertRun = db.prepare(`
      INSERT INTO runs (id, workflow_id, version_id, seq, status, mode, priority, inputs, run_user, previous_run_at,
                        idempotency_key, idempotency_digest, parent_task_instance_id, depth, created_at, updated_at,
                        started_at)
      VALUES (@id, @workflowId, @versionId, @seq, @status, @mode, @priority, @inputs, @runUser, @previousRunAt,
              @idempotencyKey, @idempotencyDigest, @parentTaskInstanceId, @depth, @now, @now, @startedAt)`);
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
   * Assigns a new run's id, number and entry task instances' ids now, and returns the records it will
   * have together with the write that stores them (to run inside a batch). A drafted responsive run
   * (`SqliteQueue.draftRun`) takes the records and is written later, as it is then.
   */
  prepareRun(input: NewRun): {
    run: RunRecord;
    /** The run's number in its workflow. */
    seq: number;
    instances: TaskInstanceRecord[];
    write: () => { run: RunRecord; instances: TaskInstanceRecord[] };
  } {
    const counter = this.counters.next(input.workflowId, input.now);
    if (!counter) throw new Error(`workflow ${input.workflowId} does not exist`);
    const run = plannedRun(input, this.ids.next('object'), counter);
    const entries = input.entryTasks.map((task) => ({ ...entryInstance(run, input, task), id: this.ids.next('task') }));
    const instances = entries.map(insertedInstance);
    return {
      run,
      seq: counter.seq,
      instances,
      write: () => {
        // The workflow's run count and last run time are stored with the batch's commit (RunCounters).
        const inputsJson = input.inputsJson ?? JSON.stringify(run.inputs);
        const isLarge = inputsJson.length > LARGE_INPUTS_CHARS;
        this.insertRun.run({
          id: run.id,
          workflowId: run.workflowId,
          versionId: run.versionId,
          seq: counter.seq,
          status: run.status,
          mode: run.mode,
          priority: run.priority,
          inputs: isLarge ? '' : inputsJson,
          runUser: run.runUser,
          previousRunAt: run.previousRunAt,
          idempotencyKey: input.idempotencyKey,
          idempotencyDigest: input.idempotencyDigest ?? null,
          parentTaskInstanceId: run.parentTaskInstanceId,
          depth: run.depth,
          now: input.now,
          startedAt: run.startedAt,
        });
        if (isLarge) this.insertInputs.run(run.id, inputsJson);
        for (const entry of entries) this.tx.insertRowSync(entry);
        return { run, instances };
      },
    };
  }
}
