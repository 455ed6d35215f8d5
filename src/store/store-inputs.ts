import type { JsonObject, RunMode, SealedCredentials, VersionSettings, WorkflowStatus } from '../model/records.js';
import type { RunResult, RunStatus, TaskStatus } from '../model/statuses.js';
import type { Priority, WorkflowDocument } from '../model/workflow-document.js';

/** What callers hand the store: new records, patches, filters and pages. */

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
  /** `inputs` already serialized (the engine measures it), so the store does not serialize it again. */
  inputsJson?: string;
  runUser: string;
  idempotencyKey: string | null;
  /** The digest of the request that carried `idempotencyKey` (stored with it); null without a key. */
  idempotencyDigest?: string | null;
  idempotencyWindowMs: number;
  /** The entry tasks: one task instance each, starting from the run's own `Data`. */
  entryTasks: readonly NewEntryTask[];
  /** When set, the run starts `Processing` with its entry instances held by this node (responsive mode). */
  claimFor: { nodeId: string; leaseUntil: number } | null;
  /** A sub-run: the task instance that waits for it, and the depth. */
  parentTaskInstanceId?: number | null;
  depth?: number;
  now: number;
}

/** An entry task of a new run. */
export interface NewEntryTask {
  taskId: number;
  name: string;
  actionType: string;
}

export interface TaskInstanceFilter {
  id?: number;
  runId?: number;
  name?: string;
  actionType?: string;
  status?: TaskStatus;
}

/** Which runs `listRuns` answers; every field given must match (and). */
export interface RunFilter {
  workflowId?: number;
  status?: RunStatus;
  result?: RunResult;
  mode?: RunMode;
  /** Created at or after this time (epoch ms). */
  createdAfter?: number;
  /** Created before this time (epoch ms). */
  createdBefore?: number;
  /** Text found anywhere in the run's inputs as stored (JSON: field names and values), ASCII case ignored. */
  inputText?: string;
}
