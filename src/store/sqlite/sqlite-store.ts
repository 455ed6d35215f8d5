import type Database from 'better-sqlite3';
import type {
  ClientRecord,
  JsonObject,
  RunRecord,
  SealedCredentials,
  TaskCounts,
  TaskInstanceRecord,
  VersionRecord,
  VersionSettings,
  WorkflowRecord,
} from '../../model/records.js';
import type { WorkflowDocument } from '../../model/workflow-document.js';
import type {
  ClaimRequest,
  CompletionResult,
  NewRun,
  NewWorkflow,
  PageRequest,
  RunFilter,
  Store,
  TaskInstanceFilter,
  TaskCompletion,
  WorkflowFilter,
  WorkflowPatch,
} from '../store.js';
import { migrate, openDatabase } from './database.js';
import { IdAllocator } from './id-allocator.js';
import { RunProgress } from './run-progress.js';
import { RunCounters } from './run-counters.js';
import { RunQueries } from './run-queries.js';
import { RerunRefused, TaskInstanceQueries } from './task-instance-queries.js';
import { TaskInstanceWriter } from './task-instance-writer.js';
import { WorkflowQueries } from './workflow-queries.js';
import { RetentionQueries } from './retention-queries.js';
import { ScheduleQueries } from './schedule-queries.js';
import { UsageQueries } from './usage-queries.js';
import { VersionQueries } from './version-queries.js';
import { GlobalConstantQueries } from './global-constant-queries.js';
import type { GlobalConstantRecord } from '../store-global-constants.js';
import type {
  NewWorkflowVersion,
  RetentionBatch,
  ScheduledRunRequest,
  ScheduledRunResult,
  ScheduleRecord,
  VersionCreation,
  VersionDeletion,
  VersionEdit,
  VersionEditResult,
} from '../store-versions-schedules.js';
import { WriteBatcher } from './write-batcher.js';

/**
 * The embedded store: one SQLite file, one process. Reads run synchronously on prepared statements;
 * writes are group-committed by the `WriteBatcher`.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly ids: IdAllocator;
  private readonly writer: WriteBatcher;
  private workflows!: WorkflowQueries;
  private versionQueries!: VersionQueries;
  private schedules!: ScheduleQueries;
  private retention!: RetentionQueries;
  private usage!: UsageQueries;
  private runs!: RunQueries;
  private progress!: RunProgress;
  private taskInstances!: TaskInstanceQueries;
  private readonly counters: RunCounters;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.ids = new IdAllocator(this.db);
    this.counters = new RunCounters(this.db);
    this.writer = new WriteBatcher(this.db, () => {
      this.ids.reset();
      this.counters.reset();
    });
  }

  async migrate(): Promise<void> {
    migrate(this.db);
    this.workflows = new WorkflowQueries(this.db);
    this.versionQueries = new VersionQueries(this.db, this.workflows);
    this.retention = new RetentionQueries(this.db);
    this.usage = new UsageQueries(this.db);
    const writer = new TaskInstanceWriter(this.db, this.ids);
    this.runs = new RunQueries(this.db, this.ids, writer, this.counters);
    this.schedules = new ScheduleQueries(this.db, this.runs);
    this.progress = new RunProgress(this.db, writer);
    this.taskInstances = new TaskInstanceQueries(this.db, writer);
  }

  async close(): Promise<void> {
    // Let queued writes commit before closing.
    await this.writer.run(() => undefined);
    this.db.close();
  }

  allocateObjectIds(count: number): Promise<number[]> {
    return this.writer.run(() => Array.from({ length: count }, () => this.ids.next('object')));
  }

  allocateTaskIds(count: number): Promise<number[]> {
    return this.writer.run(() => Array.from({ length: count }, () => this.ids.next('task')));
  }

  createWorkflow(input: NewWorkflow): Promise<{ workflow: WorkflowRecord; version: VersionRecord }> {
    return this.writer.run(() => this.workflows.createWorkflow(input));
  }

  async getWorkflow(id: number): Promise<WorkflowRecord | undefined> {
    return this.workflows.getWorkflow(id);
  }

  async listWorkflows(filter: WorkflowFilter, page: PageRequest): Promise<WorkflowRecord[]> {
    return this.workflows.listWorkflows(filter, page);
  }

  updateWorkflow(id: number, patch: WorkflowPatch, now: number): Promise<WorkflowRecord | undefined> {
    return this.writer.run(() => this.workflows.updateWorkflow(id, patch, now));
  }

  setCredentials(id: number, credentials: SealedCredentials, now: number): Promise<WorkflowRecord | undefined> {
    return this.writer.run(() => this.workflows.setCredentials(id, credentials, now));
  }

  deleteWorkflow(id: number, now: number): Promise<boolean> {
    return this.writer.run(() => this.workflows.deleteWorkflow(id, now));
  }

  async getVersion(id: number): Promise<VersionRecord | undefined> {
    return this.workflows.getVersion(id);
  }

  async listVersions(workflowId: number): Promise<VersionRecord[]> {
    return this.workflows.listVersions(workflowId);
  }

  async getCurrentVersion(workflowId: number): Promise<VersionRecord | undefined> {
    return this.workflows.getCurrentVersion(workflowId);
  }

  updateVersionSettings(
    id: number,
    settings: VersionSettings,
    document: WorkflowDocument,
    now: number,
  ): Promise<VersionRecord | undefined> {
    return this.writer.run(() => this.workflows.updateVersionSettings(id, settings, document, now));
  }

  createRun(input: NewRun): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }> {
    return this.writer.run(() => this.runs.createRun(input));
  }

  /**
   * The one-batch responsive path: the run's ids and number are assigned now, so it can start executing
   * while its INSERT waits for the group commit; `committed` settles with that commit. Runs with an
   * idempotency key take `createRun` (the key must be looked up inside the write).
   */
  beginRun(input: NewRun): { run: RunRecord; instances: TaskInstanceRecord[]; committed: Promise<void> } | undefined {
    if (input.idempotencyKey !== null) return undefined;
    const prepared = this.runs.prepareRun(input);
    const instances = input.entryTasks.map((spec, i) =>
      plannedInstance(prepared.run, spec, prepared.instanceIds[i], input),
    );
    const committed = this.writer.run(() => void prepared.write());
    return { run: prepared.run, instances, committed };
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    return this.runs.getRun(id);
  }

  async listRuns(filter: RunFilter, page: PageRequest): Promise<RunRecord[]> {
    return this.runs.listRuns(filter, page);
  }

  async countTasks(runId: number): Promise<TaskCounts> {
    return this.runs.countTasks(runId);
  }

  async getTaskInstance(id: number): Promise<TaskInstanceRecord | undefined> {
    return this.runs.getTaskInstance(id);
  }

  async listTaskInstances(runId: number): Promise<TaskInstanceRecord[]> {
    return this.runs.listTaskInstances(runId);
  }

  async findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceRecord[]> {
    return this.taskInstances.find(filter, page);
  }

  async rerunTaskInstance(id: number, now: number): Promise<TaskInstanceRecord | undefined> {
    try {
      return await this.writer.run(() => this.taskInstances.rerun(id, now));
    } catch (error) {
      if (error instanceof RerunRefused) return undefined;
      throw error;
    }
  }

  decideApproval(id: number, decision: JsonObject, now: number): Promise<boolean> {
    return this.writer.run(() => this.taskInstances.decideApproval(id, decision, now));
  }

  stopTaskInstance(
    id: number,
    now: number,
  ): Promise<{ run: RunRecord; runBecameFinal: boolean; wokeCount: number } | undefined> {
    return this.writer.run(() => this.progress.stopTaskInstance(id, now));
  }

  claimTaskInstances(claim: ClaimRequest): Promise<TaskInstanceRecord[]> {
    return this.writer.run(() => this.runs.claim(claim));
  }

  completeTaskInstance(completion: TaskCompletion): Promise<CompletionResult> {
    return this.writer.run(() => this.progress.complete(completion));
  }

  renewLeases(nodeId: string, ids: readonly number[], leaseUntil: number): Promise<void> {
    return this.writer.run(() => this.runs.renewLeases(nodeId, ids, leaseUntil));
  }

  releaseTaskInstances(nodeId: string, ids: readonly number[], now: number): Promise<void> {
    return this.writer.run(() => this.runs.release(nodeId, ids, now));
  }

  recoverAbandoned(nodeId: string, now: number): Promise<number> {
    return this.writer.run(() => this.runs.recoverAbandoned(nodeId, now));
  }

  async nextDueAt(): Promise<number | null> {
    return this.runs.nextDueAt();
  }

  stopRun(runId: number, now: number): Promise<{ run: RunRecord; executingIds: number[] } | undefined> {
    return this.writer.run(() => this.progress.stop(runId, now));
  }

  createClient(client: ClientRecord): Promise<void> {
    return this.writer.run(() => this.workflows.createClient(client));
  }

  upsertClient(client: ClientRecord): Promise<void> {
    return this.writer.run(() => this.workflows.upsertClient(client));
  }

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    return this.workflows.getClient(clientId);
  }

  async listClients(): Promise<ClientRecord[]> {
    return this.workflows.listClients();
  }

  revokeClient(clientId: string, now: number): Promise<boolean> {
    return this.writer.run(() => this.workflows.revokeClient(clientId, now));
  }

  async countClients(): Promise<number> {
    return this.workflows.countClients();
  }

  createVersion(input: NewWorkflowVersion): Promise<VersionCreation> {
    return this.writer.run(() => this.versionQueries.createVersion(input));
  }

  deleteVersion(id: number, now: number): Promise<VersionDeletion> {
    return this.writer.run(() => this.versionQueries.deleteVersion(id, now));
  }

  editVersion(input: VersionEdit): Promise<VersionEditResult> {
    return this.writer.run(() => this.versionQueries.editVersion(input));
  }

  async countActiveRuns(workflowId: number): Promise<number> {
    return this.schedules.countActiveRuns(workflowId);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.schedules.listSchedules();
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

  async taskUsage(startDay: string, endDay: string): Promise<Array<{ day: string; taskCount: number }>> {
    return this.usage.taskUsage(startDay, endDay);
  }

  // Global constants and event triggers (issue 11)
  private globalConstantQueries: GlobalConstantQueries | undefined;

  private get globalConstants(): GlobalConstantQueries {
    this.globalConstantQueries ??= new GlobalConstantQueries(this.db);
    return this.globalConstantQueries;
  }

  async listGlobalConstants(): Promise<GlobalConstantRecord[]> {
    return this.globalConstants.list();
  }

  async getGlobalConstant(name: string): Promise<GlobalConstantRecord | undefined> {
    return this.globalConstants.get(name);
  }

  putGlobalConstant(input: Parameters<Store['putGlobalConstant']>[0]): Promise<GlobalConstantRecord> {
    return this.writer.run(() => this.globalConstants.put(input));
  }

  deleteGlobalConstant(name: string): Promise<boolean> {
    return this.writer.run(() => this.globalConstants.delete(name));
  }
}

/** The record a new entry task instance will have once `prepareRun`'s write has run. */
function plannedInstance(
  run: RunRecord,
  spec: NewRun['entryTasks'][number],
  id: number | undefined,
  input: NewRun,
): TaskInstanceRecord {
  if (id === undefined) throw new Error('no id planned for an entry task');
  const isClaimed = input.claimFor !== null;
  return {
    id,
    runId: run.id,
    workflowId: run.workflowId,
    versionId: run.versionId,
    taskId: spec.taskId,
    name: spec.name,
    actionType: spec.actionType,
    status: isClaimed ? 'Processing' : 'Queued',
    previousId: spec.previousId,
    dataIn: spec.dataIn,
    dataOut: null,
    state: null,
    attempt: 1,
    dueAt: null,
    error: null,
    errorClass: null,
    errorDetails: null,
    log: null,
    iterationParentId: spec.iterationParentId ?? null,
    iterationIndex: spec.iterationIndex ?? null,
    iterationsDone: 0,
    waitingOn: null,
    isUnhandledError: false,
    rerunOf: null,
    rerunBy: null,
    startedAt: isClaimed ? input.now : null,
    endedAt: null,
    createdAt: input.now,
    updatedAt: input.now,
  };
}
