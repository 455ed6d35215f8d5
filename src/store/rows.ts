import type {
  ClientRecord,
  JsonObject,
  RunRecord,
  RunResponse,
  RunState,
  TaskInstanceRecord,
  VersionRecord,
  WorkflowRecord,
} from '../model/records.js';
import type { RunResult, RunStatus, TaskStatus } from '../model/statuses.js';
import type { Priority, WorkflowDocument } from '../model/workflow-document.js';
import type { RunMode, WaitingOn, WorkflowStatus } from '../model/records.js';
import type { ClaimCandidate, RunStatusChange } from './queue-store.js';
import type { GlobalConstantRecord } from './store-global-constants.js';
import type { NodeStopReason, NodeView } from './store-nodes.js';

/** Row shapes as SQLite returns them, and their mapping to records. */

export interface WorkflowRow {
  id: number;
  name: string;
  description: string;
  status: string;
  active_version_id: number | null;
  api_token_sealed: string;
  basic_username: string;
  basic_password_sealed: string;
  run_count: number;
  last_run_at: number | null;
  created_at: number;
  updated_at: number;
}

export function toWorkflow(row: WorkflowRow): WorkflowRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status as WorkflowStatus,
    activeVersionId: row.active_version_id,
    credentials: {
      apiTokenSealed: row.api_token_sealed,
      basicUsername: row.basic_username,
      basicPasswordSealed: row.basic_password_sealed,
    },
    runCount: row.run_count,
    lastRunAt: row.last_run_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface VersionRow {
  id: number;
  workflow_id: number;
  version: string;
  name: string;
  description: string;
  callout_trigger: number;
  sync_trigger: number;
  ondemand_trigger: number;
  scheduled_trigger: number;
  interval: string | null;
  timezone: string | null;
  priority: string;
  delete_ttl: number | null;
  concurrent_run_limit: number | null;
  active_scheduled_run_check: number;
  document: string;
  created_at: number;
  updated_at: number;
}

export function toVersion(row: VersionRow): VersionRecord {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    version: row.version,
    name: row.name,
    description: row.description,
    settings: {
      calloutTrigger: row.callout_trigger === 1,
      syncTrigger: row.sync_trigger === 1,
      ondemandTrigger: row.ondemand_trigger === 1,
      scheduledTrigger: row.scheduled_trigger === 1,
      interval: row.interval,
      timezone: row.timezone,
      priority: row.priority as Priority,
      deleteTtl: row.delete_ttl,
      concurrentRunLimit: row.concurrent_run_limit,
      activeScheduledRunCheck: row.active_scheduled_run_check === 1,
    },
    document: JSON.parse(row.document) as WorkflowDocument,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface RunRow {
  id: number;
  workflow_id: number;
  version_id: number;
  seq: number;
  status: string;
  result: string | null;
  mode: string;
  priority: string;
  inputs: string;
  run_user: string;
  previous_run_at: number | null;
  response: string | null;
  response_result: string | null;
  error_class: string | null;
  error_message: string | null;
  parent_task_instance_id: number | null;
  depth: number;
  idempotency_key: string | null;
  /** Added by migration 006 (SQLite) / 004 (PostgreSQL). */
  idempotency_digest?: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export function runName(workflowId: number, seq: number): string {
  return `WF-${workflowId}-${String(seq).padStart(8, '0')}`;
}

/**
 * The columns of a run but its inputs, for the engine's reads (`lockRun`, status changes): a run's inputs
 * (up to 5 MiB) are read only to derive its first tasks' Data, or to show the run.
 */
export const RUN_STATE_COLUMNS = `id, workflow_id, version_id, seq, status, result, mode, priority, run_user,
  previous_run_at, response, response_result, error_class, error_message, parent_task_instance_id, depth,
  idempotency_key, idempotency_digest, created_at, updated_at, started_at, finished_at`;

/** A run as its row holds it, but its inputs (`RUN_STATE_COLUMNS`). */
export function toRunState(row: Omit<RunRow, 'inputs'>): RunState {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    versionId: row.version_id,
    name: runName(row.workflow_id, row.seq),
    status: row.status as RunStatus,
    result: row.result as RunResult | null,
    mode: row.mode as RunMode,
    priority: row.priority as Priority,
    runUser: row.run_user,
    previousRunAt: row.previous_run_at,
    response: row.response === null ? null : (JSON.parse(row.response) as RunResponse),
    responseResult: row.response_result as RunResult | null,
    errorClass: row.error_class,
    errorMessage: row.error_message,
    parentTaskInstanceId: row.parent_task_instance_id,
    depth: row.depth,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    idempotencyKey: row.idempotency_key,
    idempotencyDigest: row.idempotency_digest ?? null,
  };
}

export function toRun(row: RunRow): RunRecord {
  return { ...toRunState(row), inputs: JSON.parse(row.inputs) as JsonObject };
}

/**
 * A run `startRuns` moved: with its inputs when the statement returned them (the runs whose start time
 * it set: their first tasks need them), else without.
 */
export function toStartedRun(row: Omit<RunRow, 'inputs'> & { inputs: string | null }): RunState | RunRecord {
  return row.inputs === null ? toRunState(row) : toRun({ ...row, inputs: row.inputs });
}

export interface TaskInstanceRow {
  id: number;
  run_id: number;
  workflow_id: number;
  version_id: number;
  task_id: number;
  name: string;
  action_type: string;
  status: string;
  previous_id: number | null;
  data_in: string | null;
  data_out: string | null;
  data_base: number | null;
  data_in_patch: string | null;
  data_out_patch: string | null;
  state: string | null;
  attempt: number;
  due_at: number | null;
  error: string | null;
  error_class: string | null;
  error_details: string | null;
  log: string | null;
  iteration_parent_id: number | null;
  iteration_index: number | null;
  iterations_done: number;
  waiting_on: string | null;
  is_unhandled_error: number;
  rerun_of: number | null;
  rerun_by: number | null;
  started_at: number | null;
  ended_at: number | null;
  created_at: number;
  updated_at: number;
}

function parseObject(text: string | null): JsonObject | null {
  return text === null ? null : (JSON.parse(text) as JsonObject);
}

export function toTaskInstance(row: TaskInstanceRow): TaskInstanceRecord {
  return {
    id: row.id,
    runId: row.run_id,
    workflowId: row.workflow_id,
    versionId: row.version_id,
    taskId: row.task_id,
    name: row.name,
    actionType: row.action_type,
    status: row.status as TaskStatus,
    previousId: row.previous_id,
    // Left unparsed: the read model and the engine's data loader rebuild the Data when they need it.
    storedData: {
      baseId: row.data_base,
      inPatch: row.data_in_patch,
      inWhole: row.data_in,
      outPatch: row.data_out_patch,
      outWhole: row.data_out,
    },
    state: parseObject(row.state),
    attempt: row.attempt,
    dueAt: row.due_at,
    error: row.error,
    errorClass: row.error_class,
    errorDetails: row.error_details,
    log: row.log,
    iterationParentId: row.iteration_parent_id,
    iterationIndex: row.iteration_index,
    iterationsDone: row.iterations_done,
    waitingOn: row.waiting_on as WaitingOn | null,
    isUnhandledError: row.is_unhandled_error === 1,
    rerunOf: row.rerun_of,
    rerunBy: row.rerun_by,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface ClientRow {
  client_id: string;
  name: string;
  secret_hash: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
}

export function toClient(row: ClientRow): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    scopes: row.scopes.split(' ').filter(Boolean),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Claim order: High before Medium before Low. */
export function priorityRank(priority: Priority): number {
  return priority === 'High' ? 0 : priority === 'Low' ? 2 : 1;
}

/** A claim candidate as both dialects' candidate query returns it. */
export interface ClaimCandidateRow {
  id: number;
  task_id: number;
  priority_rank: number;
  run_id: number;
  workflow_id: number;
  run_status: string;
  task_limit: number | null;
  run_limit: number | null;
}

export function toClaimCandidate(row: ClaimCandidateRow): ClaimCandidate {
  return {
    id: row.id,
    taskId: row.task_id,
    priorityRank: row.priority_rank,
    runId: row.run_id,
    workflowId: row.workflow_id,
    runStatus: row.run_status as ClaimCandidate['runStatus'],
    taskLimit: row.task_limit,
    runLimit: row.run_limit,
  };
}

export interface GlobalConstantRow {
  name: string;
  value: string | null;
  value_sealed: string | null;
  is_secret: number;
  created_at: number;
  updated_at: number;
}

export function toGlobalConstant(row: GlobalConstantRow): GlobalConstantRecord {
  return {
    name: row.name,
    valueJson: row.value,
    valueSealed: row.value_sealed,
    isSecret: row.is_secret === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A node of the registry, with the count of task instances it holds (`held`), as both dialects list it. */
export interface NodeRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  started_at: number;
  heartbeat_at: number;
  stopped_at: number | null;
  stop_reason: string | null;
  held: number;
}

export function toNodeView(row: NodeRow): NodeView {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    version: row.version,
    startedAt: row.started_at,
    heartbeatAt: row.heartbeat_at,
    stoppedAt: row.stopped_at,
    stopReason: row.stop_reason as NodeStopReason | null,
    heldTaskInstances: row.held,
  };
}

/** `records` (read back in no set order, e.g. by `RETURNING`) in the order of `ids`; ids without one are left out. */
export function inOrderOf<T extends { id: number }>(ids: readonly number[], records: readonly T[]): T[] {
  const byId = new Map(records.map((record) => [record.id, record]));
  return ids.flatMap((id) => {
    const record = byId.get(id);
    return record ? [record] : [];
  });
}

/** The answer a final status change records, unless one is recorded (`RunStatusChange.finish`). */
export function finishResponse(change: RunStatusChange): { response: string | null; responseResult: RunResult | null } {
  const recorded = change.finish?.response;
  if (recorded) return { response: JSON.stringify(recorded.value), responseResult: recorded.result };
  return { response: change.finish?.responseJson ?? null, responseResult: null };
}
