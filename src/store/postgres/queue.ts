import type pg from 'pg';
import type { RunRecord, RunState, TaskInstanceRecord } from '../../model/records.js';
import type { RebuiltData } from '../data-rebuild.js';
import type { QueueStore, QueueTransaction, RunDraftStart } from '../queue-store.js';
import { entryInstance, insertedInstance, plannedRun } from '../planned-run.js';
import type { NewRun } from '../store-inputs.js';
import type { RetentionBatch, ScheduledRunRequest, ScheduledRunResult } from '../store-versions-schedules.js';
import { iterationItems, readData, readRunState } from './data-queries.js';
import { inTransaction } from './database.js';
import { PgDraftWrites } from './draft-writes.js';
import { toRun } from '../rows.js';
import type { PgIdBlocks } from './id-blocks.js';
import { PgQueueTransaction } from './queue-transaction.js';
import { deleteExpiredRuns, nextRunExpiry } from './retention-queries.js';
import { createRunIn, findRunByKey, IdempotencyKeyTaken } from './run-creation.js';
import type { PgRunNumbers, RunNumber } from './run-numbers.js';
import { startScheduledRunIn } from './schedule-fires.js';
import { PgWriteBatcher, type PgWriteBatcherOptions } from './write-batcher.js';

/** Times a transaction is run when PostgreSQL rolls it back for a deadlock or a serialization failure. */
const TRANSACTION_ATTEMPTS = 3;

/**
 * The engine's queue on PostgreSQL. Its transactions and run creations are group-committed by the
 * `PgWriteBatcher` (the writes of one event-loop turn in one database transaction); the rest are
 * single auto-committed statements.
 */
export class PgQueue implements QueueStore {
  readonly isCommitShared = false;
  private readonly batcher: PgWriteBatcher;
  private readonly drafts: PgDraftWrites;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: PgIdBlocks,
    private readonly runNumbers: PgRunNumbers,
    batching: PgWriteBatcherOptions,
  ) {
    this.batcher = new PgWriteBatcher(pool, batching);
    this.drafts = new PgDraftWrites(pool, this.batcher);
  }

  transaction<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    return this.batcher.run(
      (client) => work(new PgQueueTransaction(client, this.ids)),
      () => this.transactionAlone(work),
    );
  }

  /**
   * A repeat of an idempotency key is answered from a read; a new run takes its number first (one short
   * statement, shared by the runs of the workflow this turn: `PgRunNumbers`), then joins a group commit:
   * without a key, as the drafts do, in the turn's one statement of new runs.
   */
  async createRun(input: NewRun): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }> {
    if (input.idempotencyKey === null) {
      // Written as a draft is: with the other runs written this turn, in one statement (`PgDraftWrites`).
      const start = await this.startDraft(input);
      const instances = start.instances.map((record) => ({ record, heldBy: input.claimFor }));
      await start.write({ run: start.run, responseJson: null, instances });
      return { run: start.run, instances: start.instances, created: true };
    }
    const existing = await findRunByKey(this.pool, input.workflowId, input.idempotencyKey);
    if (existing && input.now - existing.created_at < input.idempotencyWindowMs) {
      return { run: toRun(existing), instances: [], created: false };
    }
    const number = await this.runNumbers.reserve(input.workflowId, input.now);
    return this.batcher.run(
      (client) => createRunIn(client, this.ids, input, number),
      () => this.createRunAlone(input, number),
      { isRunCreation: true },
    );
  }

  /**
   * The run's number (one short statement, shared by the runs of the workflow this turn) and ids (from
   * this node's blocks) are taken now; nothing is written until the engine writes the draft, as it is
   * then, in one group commit. Runs with an idempotency key take `createRun`.
   */
  async draftRun(input: NewRun): Promise<RunDraftStart | undefined> {
    return input.idempotencyKey === null ? this.startDraft(input) : undefined;
  }

  private async startDraft(input: NewRun): Promise<RunDraftStart> {
    const number = await this.runNumbers.reserve(input.workflowId, input.now);
    const run = plannedRun(input, await this.ids.next('object', this.pool), number);
    const instances: TaskInstanceRecord[] = [];
    for (const task of input.entryTasks) {
      instances.push(
        insertedInstance({ ...entryInstance(run, input, task), id: await this.ids.next('task', this.pool) }),
      );
    }
    const inputsJson = input.inputsJson ?? JSON.stringify(input.inputs);
    return {
      run,
      instances,
      nextTaskInstanceId: () => this.ids.next('task', this.pool),
      write: (rows) => this.drafts.write({ seq: number.seq, inputsJson, rows }),
    };
  }

  /**
   * One transaction on a connection of its own. A deadlock (two transactions locking rows of one run in
   * another order, e.g. a claim and a stop) or a serialization failure rolls one of them back; it is run
   * again, a few times.
   */
  private async transactionAlone<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await inTransaction(this.pool, (client) => work(new PgQueueTransaction(client, this.ids)));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= TRANSACTION_ATTEMPTS || (code !== '40P01' && code !== '40001')) throw error;
      }
    }
  }

  private async createRunAlone(
    input: NewRun,
    number: RunNumber,
  ): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }> {
    try {
      return await inTransaction(this.pool, (client) => createRunIn(client, this.ids, input, number));
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTaken)) throw error;
      // Two nodes raced on one key: the other's run is the run (its number stays unused).
      return inTransaction(this.pool, (client) => createRunIn(client, this.ids, input, number));
    }
  }

  async renewLeases(nodeId: string, ids: readonly number[], leaseUntil: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ id: number }>(
      `UPDATE task_instances SET lease_until = $3
       WHERE id = ANY($2::bigint[]) AND status = 'Processing' AND locked_by = $1
       RETURNING id`,
      [nodeId, ids, leaseUntil],
    );
    const kept = new Set(rows.map((row) => row.id));
    return ids.filter((id) => !kept.has(id));
  }

  async releaseTaskInstances(nodeId: string, ids: readonly number[], now: number): Promise<number> {
    const result = await this.pool.query(
      `UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = $3
       WHERE id = ANY($2::bigint[]) AND status = 'Processing' AND locked_by = $1`,
      [nodeId, ids, now],
    );
    return result.rowCount ?? 0;
  }

  async requeueExpiredLeases(now: number): Promise<number> {
    const result = await this.pool.query(
      `UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = $1
       WHERE id IN (SELECT id FROM task_instances WHERE status = 'Processing' AND lease_until < $1
                    FOR UPDATE SKIP LOCKED)`,
      [now],
    );
    return result.rowCount ?? 0;
  }

  async requeueHeldByStoppedNodes(now: number): Promise<number> {
    const result = await this.pool.query(
      `UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = $1
       WHERE id IN (SELECT id FROM task_instances
                    WHERE status = 'Processing' AND locked_by IN (SELECT id FROM nodes WHERE stopped_at IS NOT NULL)
                    FOR UPDATE SKIP LOCKED)`,
      [now],
    );
    return result.rowCount ?? 0;
  }

  async requeueHeldByOthers(nodeId: string, now: number): Promise<number> {
    const result = await this.pool.query(
      `UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = $2
       WHERE status = 'Processing' AND locked_by IS DISTINCT FROM $1`,
      [nodeId, now],
    );
    return result.rowCount ?? 0;
  }

  async nextDueAt(): Promise<number | null> {
    const { rows } = await this.pool.query<{ due: number | null }>(
      "SELECT min(due_at) AS due FROM task_instances WHERE status = 'Pending' AND due_at IS NOT NULL",
    );
    return rows[0]?.due ?? null;
  }

  getRunState(runId: number): Promise<RunState | undefined> {
    return readRunState(this.pool, runId, false);
  }

  readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData> {
    return readData(this.pool, ids, runIds);
  }

  iterationItems(iterateId: number, from: number, count: number): Promise<string[]> {
    return iterationItems(this.pool, iterateId, from, count);
  }

  startScheduledRun(input: ScheduledRunRequest): Promise<ScheduledRunResult> {
    return inTransaction(this.pool, (client) => startScheduledRunIn(client, this.ids, input));
  }

  deleteExpiredRuns(input: { now: number; maxRows: number }): Promise<RetentionBatch> {
    return inTransaction(this.pool, (client) => deleteExpiredRuns(client, input.now, input.maxRows));
  }

  nextRunExpiry(): Promise<number | null> {
    return nextRunExpiry(this.pool);
  }
}
