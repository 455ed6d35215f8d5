import type {
  ClientRecord,
  RunRecord,
  RunState,
  SealedCredentials,
  TaskCounts,
  TaskInstanceRecord,
  TaskInstanceView,
  VersionRecord,
  VersionSettings,
  WorkflowRecord,
} from '../model/records.js';
import type { WorkflowDocument } from '../model/workflow-document.js';
import type { Notifier } from './notifier.js';
import type { GlobalConstantStore } from './store-global-constants.js';
import type { NodeStore } from './store-nodes.js';
import type { ImportKeyStore } from './store-import-keys.js';
import type { QueueStore } from './queue-store.js';
import type {
  NewWorkflow,
  PageRequest,
  RunFilter,
  TaskInstanceFilter,
  WorkflowFilter,
  WorkflowPatch,
} from './store-inputs.js';
import type {
  NewWorkflowVersion,
  ScheduleRecord,
  VersionCreation,
  VersionDeletion,
  VersionEdit,
  VersionEditResult,
} from './store-versions-schedules.js';

export type * from './store-inputs.js';

/**
 * One database, seen through three small ports, each named for who uses it: the engine's `queue`, the
 * management `catalog`, the API's `reads`; the `nodes` registry; and the `notifier` that carries hints
 * between nodes. `store/sqlite` (embedded default, one server) and `store/postgres` (any number of
 * nodes) implement it.
 */
export interface Store {
  readonly queue: QueueStore;
  readonly catalog: CatalogStore;
  readonly reads: RunReadModel;
  /** Tenant-wide constants (`GlobalConstants` in Liquid). */
  readonly constants: GlobalConstantStore;
  /** The node registry: heartbeats, and which nodes are gone (their work is taken over). */
  readonly nodes: NodeStore;
  /** The imports' `Idempotency-Key`s, shared by every node. */
  readonly importKeys: ImportKeyStore;
  readonly notifier: Notifier;
  /**
   * True when one server owns the database exclusively (SQLite under its data-dir lock): at start,
   * whatever another node holds belongs to a process that is gone.
   */
  readonly isExclusive: boolean;
  /**
   * A cheap check of the write path for `/health` (`store-health.ts`): takes the write lock (SQLite),
   * or reaches the database and checks it accepts writes (PostgreSQL). Throws the driver's error.
   */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** Workflows, versions, trigger credentials, OAuth clients and schedules: what management changes. */
export interface CatalogStore {
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
   * Adds a version to a workflow, compare-and-set on the workflow's latest (not deleted) version id:
   * `stale` when another version was added or deleted meanwhile; `taken` when a deleted version had
   * the same version string. With `activate`, the version becomes the active one and the workflow `Active`.
   */
  createVersion(input: NewWorkflowVersion): Promise<VersionCreation>;
  /** Soft-deletes a version; runs that used it still read it. Refuses the active and the only version. */
  deleteVersion(id: number, now: number): Promise<VersionDeletion>;
  /** Replaces an inactive version's document and settings; refuses the active version (`'active'`). */
  editVersion(input: VersionEdit): Promise<VersionEditResult>;
  /** The scheduled trigger of every `Active` workflow whose active version has it on. */
  listSchedules(): Promise<ScheduleRecord[]>;

  createClient(client: ClientRecord): Promise<void>;
  /** Creates the client or replaces its secret and scopes (bootstrap from the environment). */
  upsertClient(client: ClientRecord): Promise<void>;
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  listClients(): Promise<ClientRecord[]>;
  revokeClient(clientId: string, now: number): Promise<boolean>;
  countClients(): Promise<number>;
}

/** Runs and task instances as the API shows them. Read only. */
export interface RunReadModel {
  getRun(id: number): Promise<RunRecord | undefined>;
  /** Runs without their inputs, newest first. */
  listRuns(filter: RunFilter, page: PageRequest): Promise<RunState[]>;
  countTasks(runId: number): Promise<TaskCounts>;
  /**
   * The time the run's task instances took from their start to their end, in all, in ms (the reference's
   * `cpuTime`): summed by the database, never read instance by instance (a run may have 100,000).
   */
  taskExecutionMs(runId: number): Promise<number>;
  /** A task instance with its `Data` rebuilt whole. */
  getTaskInstance(id: number): Promise<TaskInstanceView | undefined>;
  /** The task instances of a run, oldest first, without rebuilding their `Data` (a run may have 100,000). */
  listTaskInstances(runId: number): Promise<TaskInstanceRecord[]>;
  /** Task instances across runs, newest first, with their `Data` rebuilt whole (`GET /workflows/tasks`). */
  findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceView[]>;
  /** The same search without their `Data`: for a caller that filters further before it reads any. */
  findTaskInstanceRecords(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceRecord[]>;
  /** These task instances with their `Data` rebuilt whole, from one read of their chains. */
  taskInstanceViews(instances: readonly TaskInstanceRecord[]): Promise<TaskInstanceView[]>;
  /** Runs of a workflow in flight (`Processing`, `Pending`, `Stopping`): what its run limit counts. */
  countActiveRuns(workflowId: number): Promise<number>;
  /** Task instances created per UTC day, from `startDay` to `endDay` (`YYYY-MM-DD`, inclusive). */
  taskUsage(startDay: string, endDay: string): Promise<Array<{ day: string; taskCount: number }>>;

  /** Task instances that could run at `now` (Queued, or Pending and due) and since when the oldest could. */
  queueStats(now: number): Promise<QueueStats>;
}

/** `RunReadModel.queueStats`: read by `GET /metrics` at scrape time. */
export interface QueueStats {
  queued: number;
  /** `Pending` instances whose due time has come. */
  dueWaiting: number;
  /** Epoch ms: the earliest moment one of them became able to run; null when none can. */
  oldestDueAt: number | null;
}
