import type {
  ClientRecord,
  JsonObject,
  RunMode,
  RunRecord,
  RunResponse,
  SealedCredentials,
  TaskCounts,
  TaskInstanceRecord,
  VersionRecord,
  WaitingOn,
  VersionSettings,
  WorkflowRecord,
  WorkflowStatus,
} from '../model/records.js';
import type { RunResult, RunStatus, TaskStatus } from '../model/statuses.js';
import type { Priority, WorkflowDocument } from '../model/workflow-document.js';
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
} from './store-versions-schedules.js';
import type { GlobalConstantRecord } from './store-global-constants.js';

/**
 * The one storage interface. `store/sqlite` (embedded default) and `store/postgres` implement it.
 * Every status change is a compare-and-set in SQL; a lost race is a value (`applied: false`), not a throw.
 * Times are epoch milliseconds, passed in by the caller (the engine's clock), never read inside SQL.
 */
export interface Store {
  /** Creates or upgrades the schema. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Reserves `count` ids from the sequence shared by workflows, versions and runs. */
  allocateObjectIds(count: number): Promise<number[]>;
  /** Reserves `count` ids from the sequence shared by tasks and task instances. */
  allocateTaskIds(count: number): Promise<number[]>;

  createWorkflow(input: NewWorkflow): Promise<{ workflow: WorkflowRecord; version: VersionRecord }>;
  getWorkflow(id: number): Promise<WorkflowRecord | undefined>;
  listWorkflows(filter: WorkflowFilter, page: PageRequest): Promise<WorkflowRecord[]>;
  updateWorkflow(id: number, patch: WorkflowPatch, now: number): Promise<WorkflowRecord | undefined>;
  setCredentials(id: number, credentials: SealedCredentials, now: number): Promise<WorkflowRecord | undefined>;
  /** Soft delete: the workflow disappears from the API; its runs stay readable. */
  deleteWorkflow(id: number, now: number): Promise<boolean>;

  getVersion(id: number): Promise<VersionRecord | undefined>;
  listVersions(workflowId: number): Promise<VersionRecord[]>;
  /** The version whose settings the workflow shows: the active one, else the latest. */
  getCurrentVersion(workflowId: number): Promise<VersionRecord | undefined>;
  updateVersionSettings(
    id: number,
    settings: VersionSettings,
    document: WorkflowDocument,
    now: number,
  ): Promise<VersionRecord | undefined>;

  /**
   * Commits a run and its first task instances in one transaction before anyone answers.
   * With an idempotency key seen for this workflow within `idempotencyWindowMs`, commits nothing and
   * returns the first run (`created: false`).
   */
  createRun(input: NewRun): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }>;
  /**
   * Optional fast path for responsive runs without an idempotency key: the records of the run and its
   * first task instances at once (ids and run number assigned without a round trip), the write queued,
   * and `committed` settling when it is durable. Stores that cannot do this omit it (or answer undefined).
   */
  beginRun?(input: NewRun): { run: RunRecord; instances: TaskInstanceRecord[]; committed: Promise<void> } | undefined;
  getRun(id: number): Promise<RunRecord | undefined>;
  listRuns(filter: RunFilter, page: PageRequest): Promise<RunRecord[]>;
  countTasks(runId: number): Promise<TaskCounts>;
  getTaskInstance(id: number): Promise<TaskInstanceRecord | undefined>;
  listTaskInstances(runId: number): Promise<TaskInstanceRecord[]>;
  /** Task instances across runs, newest first (`GET /workflows/tasks`). */
  findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceRecord[]>;
  /**
   * Reruns a final task instance: a new `Queued` instance of the same task with the same input `Data`
   * and place in the graph; the run becomes live again. Undefined when the instance is not final,
   * already rerun, or its run is stopped.
   */
  rerunTaskInstance(id: number, now: number): Promise<TaskInstanceRecord | undefined>;
  /**
   * Records an approval decision on a `Pending` Approval task instance and makes it due now.
   * False when the instance is not waiting for approval.
   */
  decideApproval(id: number, decision: JsonObject, now: number): Promise<boolean>;
  /**
   * Stops one waiting (`Queued` or `Pending`) task instance and moves its run on as if it had ended.
   * Undefined when it was not waiting.
   */
  stopTaskInstance(
    id: number,
    now: number,
  ): Promise<{ run: RunRecord; runBecameFinal: boolean; wokeCount: number } | undefined>;

  /**
   * Claims up to `limit` due task instances (`Queued`, or `Pending` whose due time has come) for `nodeId`,
   * with a lease. Their runs move to `Processing`. Highest priority first, then oldest.
   */
  claimTaskInstances(claim: ClaimRequest): Promise<TaskInstanceRecord[]>;
  /**
   * Records the outcome of a claimed task instance (compare-and-set on `Processing` and `nodeId`),
   * inserts its successors, and moves the run on: `Pending` when only waiting work is left, final when none is.
   */
  completeTaskInstance(completion: TaskCompletion): Promise<CompletionResult>;
  /** Extends the leases of task instances this node is still executing. */
  renewLeases(nodeId: string, ids: readonly number[], leaseUntil: number): Promise<void>;
  /** Puts task instances this node claimed but did not run back in the queue (shutdown). */
  releaseTaskInstances(nodeId: string, ids: readonly number[], now: number): Promise<void>;
  /**
   * Re-queues task instances left `Processing` by a node that is gone (at start, and by the sweeper).
   * Returns how many were re-queued.
   */
  recoverAbandoned(nodeId: string, now: number): Promise<number>;
  /** The earliest due time among waiting task instances, or null. */
  nextDueAt(): Promise<number | null>;

  /**
   * Stops a run: `Stopping`, queued and waiting task instances `Stopped`; `Stopped` at once when nothing
   * is executing. Returns the run and the ids of task instances still executing (to be abandoned).
   */
  stopRun(runId: number, now: number): Promise<{ run: RunRecord; executingIds: number[] } | undefined>;

  createClient(client: ClientRecord): Promise<void>;
  /** Creates the client or replaces its secret and scopes (bootstrap from the environment). */
  upsertClient(client: ClientRecord): Promise<void>;
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  listClients(): Promise<ClientRecord[]>;
  revokeClient(clientId: string, now: number): Promise<boolean>;
  countClients(): Promise<number>;

  // Versions, schedules, limits, retention and usage (their types are in store-versions-schedules.ts).

  /**
   * Adds a version to a workflow, compare-and-set on the workflow's latest (not deleted) version id:
   * `stale` when another version was added or deleted meanwhile; `taken` when a deleted version had
   * the same version string. With `activate`, the version becomes
   * the active one and the workflow `Active`.
   */
  createVersion(input: NewWorkflowVersion): Promise<VersionCreation>;
  /** Soft-deletes a version; runs that used it still read it. Refuses the active and the only version. */
  deleteVersion(id: number, now: number): Promise<VersionDeletion>;
  /** Replaces an inactive version's document and settings; refuses the active version (`'active'`). */
  editVersion(input: VersionEdit): Promise<VersionEditResult>;
  /** Runs of a workflow in flight (`Processing`, `Pending`, `Stopping`): what its run limit counts. */
  countActiveRuns(workflowId: number): Promise<number>;
  /** The scheduled trigger of every `Active` workflow whose active version has it on. */
  listSchedules(): Promise<ScheduleRecord[]>;
  /**
   * Records the scheduled instant (insert-or-ignore on workflow and instant: the first caller owns it)
   * and, in the same transaction, skips it (skip rule) or creates its run.
   */
  startScheduledRun(input: ScheduledRunRequest): Promise<ScheduledRunResult>;
  /** Deletes up to `maxRows` rows of finished runs past their workflow's `delete_ttl` (one transaction). */
  deleteExpiredRuns(input: { now: number; maxRows: number }): Promise<RetentionBatch>;
  /** When the next finished run passes its workflow's `delete_ttl`, or null when none will. */
  nextRunExpiry(): Promise<number | null>;
  /** Task instances created per UTC day, from `startDay` to `endDay` (`YYYY-MM-DD`, inclusive). */
  taskUsage(startDay: string, endDay: string): Promise<Array<{ day: string; taskCount: number }>>;

  // Global constants and event triggers (issue 11)
  /** Every global constant, by name. */
  listGlobalConstants(): Promise<GlobalConstantRecord[]>;
  getGlobalConstant(name: string): Promise<GlobalConstantRecord | undefined>;
  /** Creates or replaces a constant (its `createdAt` stays). */
  putGlobalConstant(input: {
    name: string;
    valueJson: string | null;
    valueSealed: string | null;
    isSecret: boolean;
    now: number;
  }): Promise<GlobalConstantRecord>;
  /** False when there was no such constant. */
  deleteGlobalConstant(name: string): Promise<boolean>;
}

export interface PageRequest {
  offset: number;
  limit: number;
}

export interface NewWorkflow {
  id: number;
  name: string;
  description: string;
  status: WorkflowStatus;
  credentials: SealedCredentials;
  version: NewVersion;
  /** Makes the version the active one. */
  activate: boolean;
  now: number;
}

export interface NewVersion {
  id: number;
  version: string;
  name: string;
  description: string;
  settings: VersionSettings;
  document: WorkflowDocument;
}

export interface WorkflowFilter {
  calloutTrigger?: boolean;
  ondemandTrigger?: boolean;
  scheduledTrigger?: boolean;
  interval?: string;
  name?: string;
}

export interface WorkflowPatch {
  name?: string;
  description?: string;
  status?: WorkflowStatus;
  activeVersionId?: number;
}

export interface NewRun {
  workflowId: number;
  versionId: number;
  mode: RunMode;
  priority: Priority;
  inputs: JsonObject;
  runUser: string;
  idempotencyKey: string | null;
  idempotencyWindowMs: number;
  /** The entry tasks: one task instance each. */
  entryTasks: readonly NewTaskInstanceSpec[];
  /** When set, the run starts `Processing` with its first instances claimed by this node (responsive mode). */
  claimFor: { nodeId: string; leaseUntil: number } | null;
  /** A sub-run: the task instance that waits for it, and the depth. */
  parentTaskInstanceId?: number | null;
  depth?: number;
  now: number;
}

/** A task instance to create: its task and the `Data` it starts from (null: derive from the run). */
export interface NewTaskInstanceSpec {
  taskId: number;
  name: string;
  actionType: string;
  previousId: number | null;
  dataIn: JsonObject | null;
  /** The For Each branch it belongs to (inherited from its predecessor; new for fanned-out branches). */
  iterationParentId?: number | null;
  iterationIndex?: number | null;
  /** A Logic::Merge arrival: joins the scope's waiting merge instance of that task instead of adding one. */
  isMergeArrival?: boolean;
}

export interface TaskInstanceFilter {
  id?: number;
  runId?: number;
  name?: string;
  actionType?: string;
  status?: TaskStatus;
}

export interface RunFilter {
  workflowId?: number;
  status?: RunStatus;
  result?: RunResult;
}

export interface ClaimRequest {
  nodeId: string;
  limit: number;
  now: number;
  leaseUntil: number;
}

/** The final or waiting outcome of one attempt of a claimed task instance. */
export interface TaskCompletion {
  instanceId: number;
  runId: number;
  nodeId: string;
  now: number;
  status: Extract<TaskStatus, 'Success' | 'Error' | 'Pending' | 'Stopped'>;
  dataOut: JsonObject | null;
  /** `dataOut` already serialized (the executor measures it), so the store need not serialize it again. */
  dataOutJson?: string;
  /** For `Pending`: when it is due again (null: until woken), what it waits for, its state, and whether the next attempt counts as a retry. */
  dueAt?: number | null;
  waitingOn?: WaitingOn | null;
  state?: JsonObject | null;
  isRetry?: boolean;
  error?: { errorClass: string; message: string; details: string | null };
  /** Set when this failure ends its branch unhandled: the run's result becomes `Error`. */
  isUnhandledError?: boolean;
  log: string | null;
  /** A response task's answer; the first one recorded in a run wins. */
  response?: RunResponse & { runResult: 'Success' | 'Error' };
  successors: readonly NewTaskInstanceSpec[];
  /**
   * The instance's For Each branch, as the executor read it (saves a read); the store reads it when absent.
   */
  scope?: { iterationParentId: number | null; iterationIndex: number | null };
  /** False when the run's version has no Logic::Merge: no waiting merge can need waking (saves a query). */
  mayHaveMerges?: boolean;
  /** For an Iterate waiting on its branches: the `iterationsDone` it saw, so a branch that ended meanwhile wakes it. */
  iterationsDoneSeen?: number;
  /** Successors are inserted `Processing`, claimed by this node (responsive runs continue in-process). */
  claimSuccessorsUntil: number | null;
}

export interface CompletionResult {
  /** False when the instance was no longer ours (stopped, or re-claimed after a lost lease). */
  applied: boolean;
  successors: TaskInstanceRecord[];
  /** The run after the completion. */
  run: RunRecord | undefined;
  /** True when this completion made the run final. */
  runBecameFinal: boolean;
  /** Waiting task instances this completion made due now (an Iterate, a Merge, a parent of a sub-run). */
  wokeCount: number;
}
