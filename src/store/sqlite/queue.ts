import type { RunRecord, RunState, TaskInstanceRecord } from '../../model/records.js';
import type { RebuiltData } from '../data-rebuild.js';
import type { QueueStore, QueueTransaction, RunDraftStart } from '../queue-store.js';
import type { NewRun } from '../store-inputs.js';
import type { RetentionBatch, ScheduledRunRequest, ScheduledRunResult } from '../store-versions-schedules.js';
import type { SqliteDataQueries } from './data-queries.js';
import type { DraftWriter } from './draft-writer.js';
import type { IdAllocator } from './id-allocator.js';
import type { LeaseQueries } from './lease-queries.js';
import type { SqliteQueueTransaction } from './queue-transaction.js';
import type { RetentionQueries } from './retention-queries.js';
import type { RunCreation } from './run-creation.js';
import type { ScheduleQueries } from './schedule-queries.js';
import type { WriteBatcher } from './write-batcher.js';

/** The engine's queue on SQLite: every write goes through the group commit of the `WriteBatcher`. */
export class SqliteQueue implements QueueStore {
  readonly isCommitShared = true;

  constructor(
    private readonly writer: WriteBatcher,
    private readonly tx: SqliteQueueTransaction,
    private readonly runs: RunCreation,
    private readonly leases: LeaseQueries,
    private readonly schedules: ScheduleQueries,
    private readonly retention: RetentionQueries,
    private readonly data: SqliteDataQueries,
    private readonly ids: IdAllocator,
    private readonly drafts: DraftWriter,
  ) {}

  transaction<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    return this.writer.run(() => work(this.tx));
  }

  createRun(input: NewRun): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }> {
    return this.writer.run(() => this.runs.createRun(input));
  }

  /**
   * The run's ids and number are assigned now; nothing is written until the engine writes the draft,
   * in one batch with the run's counter. Runs with an idempotency key take `createRun`.
   */
  async draftRun(input: NewRun): Promise<RunDraftStart | undefined> {
    if (input.idempotencyKey !== null) return undefined;
    const { run, seq, instances } = this.runs.prepareRun(input);
    const inputsJson = input.inputsJson ?? JSON.stringify(input.inputs);
    return {
      run,
      instances,
      nextTaskInstanceId: async () => this.ids.next('task'),
      write: (rows) => this.writer.run(() => this.drafts.write(seq, inputsJson, rows)),
    };
  }

  renewLeases(nodeId: string, ids: readonly number[], leaseUntil: number): Promise<number[]> {
    return this.writer.run(() => this.leases.renew(nodeId, ids, leaseUntil));
  }

  releaseTaskInstances(nodeId: string, ids: readonly number[], now: number): Promise<number> {
    return this.writer.run(() => this.leases.release(nodeId, ids, now));
  }

  requeueExpiredLeases(now: number): Promise<number> {
    return this.writer.run(() => this.leases.requeueExpiredLeases(now));
  }

  requeueHeldByStoppedNodes(now: number): Promise<number> {
    return this.writer.run(() => this.leases.requeueHeldByStoppedNodes(now));
  }

  requeueHeldByOthers(nodeId: string, now: number): Promise<number> {
    return this.writer.run(() => this.leases.requeueHeldByOthersThan(nodeId, now));
  }

  async nextDueAt(): Promise<number | null> {
    return this.leases.nextDueAt();
  }

  async getRunState(runId: number): Promise<RunState | undefined> {
    return this.tx.runSync(runId);
  }

  async readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData> {
    return this.data.readData(ids, runIds);
  }

  async iterationItems(iterateId: number, from: number, count: number): Promise<string[]> {
    return this.data.iterationItems(iterateId, from, count);
  }

  startScheduledRun(input: ScheduledRunRequest): Promise<ScheduledRunResult> {
    return this.writer.run(() => this.schedules.startScheduledRun(input));
  }

  deleteExpiredRuns(input: { now: number; maxRows: number }): Promise<RetentionBatch> {
    return this.writer.run(() => this.retention.deleteExpired(input.now, input.maxRows));
  }

  async nextRunExpiry(): Promise<number | null> {
    return this.retention.nextExpiry();
  }
}
