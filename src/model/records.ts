import type { RunResult, RunStatus, TaskStatus } from './statuses.js';
import type { Priority, WorkflowDocument } from './workflow-document.js';

/** A JSON object: the `Data` payload and everything stored as JSON. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export const WorkflowStatus = { Active: 'Active', Inactive: 'Inactive' } as const;
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];

/** Trigger credentials as the store keeps them: secrets sealed (encrypted), never plain. */
export interface SealedCredentials {
  apiTokenSealed: string;
  basicUsername: string;
  basicPasswordSealed: string;
}

/** A workflow definition. Times are epoch milliseconds. */
export interface WorkflowRecord {
  id: number;
  name: string;
  description: string;
  status: WorkflowStatus;
  activeVersionId: number | null;
  credentials: SealedCredentials;
  runCount: number;
  lastRunAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** The trigger and run settings of a version, also kept inside its document's `workflow`. */
export interface VersionSettings {
  calloutTrigger: boolean;
  syncTrigger: boolean;
  ondemandTrigger: boolean;
  scheduledTrigger: boolean;
  interval: string | null;
  timezone: string | null;
  priority: Priority;
  deleteTtl: number | null;
  /** Runs of the workflow in flight at once (**ext**, `concurrent_run_limit`); null: no limit. */
  concurrentRunLimit: number | null;
  /** The reference's skip rule for scheduled runs (`active_scheduled_run_check`, default true). */
  activeScheduledRunCheck: boolean;
}

/** A version (`Workflow::Setup`): its document carries store-assigned task ids. */
export interface VersionRecord {
  id: number;
  workflowId: number;
  version: string;
  name: string;
  description: string;
  settings: VersionSettings;
  document: WorkflowDocument;
  createdAt: number;
  updatedAt: number;
}

/**
 * A run (`Workflow::Instance`) without its inputs: what the engine reads and changes at every step. The
 * inputs (up to 5 MiB of a trigger's body) are read only to derive its first tasks' `Data`, or to show it.
 */
export interface RunState {
  id: number;
  workflowId: number;
  versionId: number;
  name: string;
  status: RunStatus;
  result: RunResult | null;
  /** `standard` (queued) or `sync` (executed by the receiving process at once). */
  mode: RunMode;
  priority: Priority;
  runUser: string;
  /** The `Idempotency-Key` the trigger carried; optional until every store reads it back. */
  idempotencyKey?: string | null;
  /**
   * A digest of the request that first used `idempotencyKey` (`model/request-digest.ts`): a repeat
   * with another request is refused. Null for runs from before it was stored.
   */
  idempotencyDigest?: string | null;
  previousRunAt: number | null;
  /** What `/sync` answers for this run, once it is final. */
  response: RunResponse | null;
  /** Set when a response task answered (its `parent_workflow_status`); null when the answer is the last task's Data. */
  responseResult: RunResult | null;
  errorClass: string | null;
  errorMessage: string | null;
  /** A sub-run (Execute::WorkflowTask): the task instance waiting for it. */
  parentTaskInstanceId: number | null;
  /** How many sub-runs deep this run is (0 for a triggered run). */
  depth: number;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A run (`Workflow::Instance`) with its inputs. */
export interface RunRecord extends RunState {
  /** Declared inputs, already coerced, as `{object_name: {field_name: value}}`. */
  inputs: JsonObject;
}

export const RunMode = { Standard: 'standard', Sync: 'sync' } as const;
export type RunMode = (typeof RunMode)[keyof typeof RunMode];

/** The HTTP answer a responsive run gives. */
export interface RunResponse {
  code: number;
  body: JsonValue;
}

/** A task instance: a task's execution inside a run. */
export interface TaskInstanceRecord {
  id: number;
  runId: number;
  workflowId: number;
  versionId: number;
  taskId: number;
  name: string;
  actionType: string;
  status: TaskStatus;
  /** The instance that started this one, null for the first tasks. */
  previousId: number | null;
  /**
   * How its input and output `Data` are stored (changes from the `Data` it came from). The read model
   * rebuilds them whole (`TaskInstanceView`); the engine reads them through its data loader.
   */
  storedData: StoredData;
  /** Task-private state between attempts (retry count, delay due time). */
  state: JsonObject | null;
  attempt: number;
  dueAt: number | null;
  error: string | null;
  errorClass: string | null;
  errorDetails: string | null;
  log: string | null;
  /** The Iterate task instance whose For Each branch this instance belongs to, and its item. */
  iterationParentId: number | null;
  iterationIndex: number | null;
  /** On an Iterate task instance: how many of its branches have ended. */
  iterationsDone: number;
  /** What a `Pending` instance without a due time waits for. */
  waitingOn: WaitingOn | null;
  isUnhandledError: boolean;
  rerunOf: number | null;
  rerunBy: number | null;
  startedAt: number | null;
  endedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A task instance with its `Data` rebuilt whole, as the API shows it. */
export interface TaskInstanceView extends TaskInstanceRecord {
  /** Its input `Data` (for the first tasks of a run, the run's initial `Data`). */
  dataIn: JsonObject;
  /** Its output `Data`; null while it has none. */
  dataOut: JsonObject | null;
}

/**
 * How a task instance's `Data` is stored: JSON texts, unparsed (docs/architecture.md, "Data, stored
 * once"). Its input `Data` is the output `Data` of `baseId` (or the run's initial `Data`) with the
 * changes `inPatch`; its output `Data` is its input `Data` with the changes `outPatch`. A whole form,
 * when set, wins: rows written before patches, and `Data` that has no base to be a change of.
 */
export interface StoredData {
  /** The task instance whose output `Data` its input `Data` starts from; null: the run's initial `Data`. */
  baseId: number | null;
  /** JSON of the `DataPatch` from that `Data` to its input `Data`; null: no change. */
  inPatch: string | null;
  /** Its input `Data` stored whole; when set, `baseId` and `inPatch` are not used. */
  inWhole: string | null;
  /** JSON of the `DataPatch` from its input `Data` to its output `Data`; null (and `outWhole` null): no output yet. */
  outPatch: string | null;
  /** Its output `Data` stored whole; when set, `outPatch` is not used. */
  outWhole: string | null;
}

/** How a task instance's input `Data` is written. */
export type StoredDataIn = Pick<StoredData, 'baseId' | 'inPatch' | 'inWhole'>;
/** How a task instance's output `Data` is written. */
export type StoredDataOut = Pick<StoredData, 'outPatch' | 'outWhole'>;

/** Why a task instance is `Pending`. */
export const WaitingOn = {
  Delay: 'delay',
  Retry: 'retry',
  Iterations: 'iterations',
  Merge: 'merge',
  Approval: 'approval',
  SubRun: 'sub_run',
} as const;
export type WaitingOn = (typeof WaitingOn)[keyof typeof WaitingOn];

/** Task instance counts by status, as the reference's run object shows them. */
export interface TaskCounts {
  total: number;
  queued: number;
  processing: number;
  pending: number;
  stopped: number;
  success: number;
  error: number;
}

/** An OAuth client. The secret is kept as a hash. */
export interface ClientRecord {
  clientId: string;
  name: string;
  secretHash: string;
  scopes: string[];
  createdAt: number;
  revokedAt: number | null;
}
