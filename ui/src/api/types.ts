/**
 * The API's response shapes, as Weir's presenters write them (src/api/presenters.ts) in the reference's
 * field names: camelCase on workflows and runs, snake_case on settings, task instances and the export file.
 */

export type WorkflowStatus = 'Active' | 'Inactive';
export type RunStatus = 'Queued' | 'Processing' | 'Pending' | 'Finished' | 'Stopping' | 'Stopped';
export type TaskStatus = 'Queued' | 'Processing' | 'Pending' | 'Success' | 'Error' | 'Stopped';
export type RunResult = 'Success' | 'Error';
/** `standard` (queued) or `sync` (responsive: answered by the run). */
export type RunMode = 'standard' | 'sync';
export const RUN_RESULTS: readonly RunResult[] = ['Success', 'Error'];
export type Priority = 'High' | 'Medium' | 'Low';

export const RUN_STATUSES: readonly RunStatus[] = [
  'Queued',
  'Processing',
  'Pending',
  'Finished',
  'Stopping',
  'Stopped',
];
/** Statuses in which a run still moves: the UI polls while it shows one of them. */
export const LIVE_RUN_STATUSES: readonly RunStatus[] = ['Queued', 'Processing', 'Pending', 'Stopping'];
export const LIVE_TASK_STATUSES: readonly TaskStatus[] = ['Queued', 'Processing', 'Pending'];

export interface Pagination {
  page: number | null;
  page_length: number | null;
  next_page: string | null;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

/** `active_version` of a workflow. */
export interface ActiveVersion {
  id: number;
  description: string;
  version: string;
  type: string;
  status: 'Active';
}

/** `GET /workflows/{id}` and the items of `GET /workflows`. */
export interface Workflow {
  id: number;
  name: string;
  description: string;
  ondemandTrigger: boolean;
  calloutTrigger: boolean;
  scheduledTrigger: boolean;
  syncTrigger: boolean;
  interval: string | null;
  timezone: string | null;
  priority: Priority;
  delete_ttl: number | null;
  status: WorkflowStatus;
  createdAt: string;
  updatedAt: string;
  active_version: ActiveVersion | null;
  /** The reference's spelling. */
  latest_inactive_verisons?: VersionSummary[];
}

/** An item of `GET /workflows/{id}/versions`. */
export interface VersionSummary {
  id: number;
  name: string;
  description: string;
  version: string;
  type: string;
  status: WorkflowStatus;
  calloutTrigger: boolean;
  ondemandTrigger: boolean;
  scheduledTrigger: boolean;
  syncTrigger: boolean;
  interval: string | null;
  timezone: string | null;
  priority: Priority;
  createdAt: string;
  updatedAt: string;
}

/** `GET /workflows/{id}/settings` (**ext**): the seed's settings page. */
export interface WorkflowSettings {
  callout_trigger: boolean;
  sync_trigger: boolean;
  endpoints: { run: string; sync: string };
  api_token: string;
  basic_auth: { username: string; password: string };
}

/** Run metadata, as `/run` answers it. */
export interface RunMetadata {
  id: number;
  name: string;
  originalWorkflowId: number;
  type: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
}

/** An item of `GET /workflows/workflow_runs`. */
export interface RunSummary extends RunMetadata {
  result: RunResult | null;
  mode: RunMode;
  /** **ext**: who triggered it (absent on older Weirs). */
  runUser?: string;
  runTime: number | null;
  finishedAt: string | null;
}

export interface TaskCounts {
  total: number;
  queued: number;
  processing: number;
  pending: number;
  stopped: number;
  success: number;
  error: number;
}

/** `GET /workflows/workflow_runs/{id}`. */
export interface RunDetail extends RunSummary {
  tasks: TaskCounts;
  /** **ext** (absent on older Weirs): the declared inputs `{object_name: {field_name: value}}`, priority, idempotency key. */
  inputs?: Record<string, unknown>;
  priority?: Priority;
  idempotencyKey?: string | null;
  cpuTime: string;
  startedAt: string | null;
  error_class?: string;
  error?: string;
}

/** A task instance of `GET /workflows/tasks?instance=true` (the reference's `Task`, with Weir's extensions). */
export interface TaskInstance {
  id: number;
  name: string;
  instance: boolean;
  parameters: Record<string, unknown>;
  /** Input `Data`. */
  data: Record<string, unknown> | null;
  /** **ext**: output `Data`. */
  data_out?: Record<string, unknown> | null;
  action_type: string;
  /** The run id. */
  workflow_id: number;
  status: TaskStatus;
  start_time: string | null;
  end_time: string | null;
  original_task_id: number | null;
  original_workflow_id: number | null;
  error: string | null;
  error_class: string | null;
  error_details: unknown;
  log?: string | null;
  attempt?: number;
  /** The task instance that started this one. */
  task_id: number | null;
  /** **ext**: the instance this one reran, and the instance that reran this one. */
  rerun_of?: number | null;
  rerun_by?: number | null;
  /** **ext**: what a `Pending` instance waits for, and until when. */
  waiting_on?: string | null;
  due_at?: string | null;
}

/** The error envelope every surface answers with. */
export interface ErrorEnvelope {
  errors?: Array<{ status?: number; code?: string; title?: string; field?: string } | string>;
  /** PATCH validation (422). */
  reasons?: Array<{ fieldName?: string; title?: string }>;
  /** OAuth errors. */
  error?: string;
  error_description?: string;
}

/** `POST /workflows/{id}/versions/{version_id}/tasks/{task_id}/test` (**ext**): one task tested outside any run. */
export interface TaskTestResult {
  task: { id: number | string; name: string; action_type: string };
  /** Whether the test reached outside Weir (it really sent). */
  side_effects: boolean;
  status: 'Success' | 'Error' | 'Pending';
  /** The hook a run would fire next (`Failure` on error), null while waiting. */
  hook: string | null;
  data_out: Record<string, unknown> | null;
  log: string | null;
  error: { error_class: string; message: string; details: string | null } | null;
  /** What a run would wait for (`delay`, `retry`, `approval`, `sub_run`, `iterations`). */
  waiting_on: string | null;
  due_at: string | null;
  branches: Array<Record<string, unknown>> | null;
  sub_run_id: number | null;
  /** A response task's answer (what `/sync` would answer) and the run's result it sets. */
  response?: { code: number; body: unknown; result: string } | null;
  duration_ms: number;
}
