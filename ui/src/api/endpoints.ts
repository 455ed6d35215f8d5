import type { WorkflowDocument } from '../model/document';
import { api, rawRequest, type RawAnswer } from './client';
import type {
  Page,
  RunDetail,
  RunMetadata,
  RunMode,
  RunResult,
  RunStatus,
  RunSummary,
  TaskInstance,
  TaskTestResult,
  VersionSummary,
  Workflow,
  WorkflowSettings,
} from './types';

/** The public API, one function per operation the UI uses (shared/contract/api.md). */

export function listWorkflows(query: { name?: string; page?: number; pageLength?: number }, signal?: AbortSignal) {
  return api<Page<Workflow>>('/workflows', {
    query: { name: query.name, page: query.page, page_length: query.pageLength ?? 50 },
    signal,
  });
}

export function getWorkflow(id: number, signal?: AbortSignal) {
  return api<Workflow>(`/workflows/${id}`, { signal });
}

/** `PATCH /workflows/{id}`: name, description, status, active_workflow_version_id and the trigger settings. */
export function patchWorkflow(id: number, patch: Record<string, unknown>) {
  return api<Workflow>(`/workflows/${id}`, { method: 'PATCH', body: patch });
}

export function deleteWorkflow(id: number) {
  return api<{ success: boolean; id: number }>(`/workflows/${id}`, { method: 'DELETE' });
}

export function importWorkflow(document: unknown, activate: boolean) {
  return api<Workflow>('/workflows/import', { method: 'POST', body: document, query: { activate } });
}

/** `POST /workflows` (**ext**): create from a document. */
export function createWorkflow(document: WorkflowDocument) {
  return api<Workflow>('/workflows', { method: 'POST', body: document });
}

export function getSettings(id: number, signal?: AbortSignal) {
  return api<WorkflowSettings>(`/workflows/${id}/settings`, { signal });
}

export function rotateCredentials(id: number) {
  return api<WorkflowSettings>(`/workflows/${id}/settings/rotate`, { method: 'POST' });
}

/** `GET /workflows/{id}/export`; `version` a version number or `latest`, default the active version. */
export function exportVersion(id: number, version?: string, signal?: AbortSignal) {
  return api<WorkflowDocument>(`/workflows/${id}/export`, { query: { version }, signal });
}

export function listVersions(id: number, signal?: AbortSignal) {
  return api<{ data: VersionSummary[] }>(`/workflows/${id}/versions`, { signal });
}

/** `POST /workflows/{id}/versions/import?version=` with the export document. */
export function importVersion(id: number, document: WorkflowDocument, version: string, activate = false) {
  return api<Workflow>(`/workflows/${id}/versions/import`, {
    method: 'POST',
    body: document,
    query: { version, activate: activate ? true : undefined },
  });
}

export function deleteVersion(versionId: number) {
  return api<{ success: boolean; id: number }>(`/workflows/versions/${versionId}`, { method: 'DELETE' });
}

/** `POST /workflows/{id}/run`: a standard run with the bearer token. */
export function runWorkflow(id: number, inputs: Record<string, unknown>) {
  return api<RunMetadata>(`/workflows/${id}/run`, { method: 'POST', body: inputs });
}

/**
 * `POST /api/v1/workflows/{id}/sync` (or `/run`) with the workflow's API token: the trigger API, whose
 * status carries the outcome. Same origin as the UI, whatever base URL the settings show.
 */
export function triggerWithToken(id: number, mode: 'run' | 'sync', apiToken: string, inputs: Record<string, unknown>) {
  return rawRequest(`/api/v1/workflows/${id}/${mode}`, {
    method: 'POST',
    body: inputs,
    headers: { 'API-Token': apiToken },
  }) as Promise<RawAnswer>;
}

/** The filters of `GET /workflows/workflow_runs`; empty strings and undefined are left out. */
export interface RunQuery {
  workflowId?: number | undefined;
  status?: RunStatus | '' | undefined;
  result?: RunResult | '' | undefined;
  mode?: RunMode | '' | undefined;
  /** ISO 8601 times. */
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  /** Text in the run's inputs. */
  input?: string | undefined;
  page?: number | undefined;
  pageLength?: number | undefined;
}

export function listRuns(query: RunQuery, signal?: AbortSignal) {
  return api<Page<RunSummary>>('/workflows/workflow_runs', {
    query: {
      workflow_id: query.workflowId,
      status: query.status || undefined,
      result: query.result || undefined,
      mode: query.mode || undefined,
      created_after: query.createdAfter || undefined,
      created_before: query.createdBefore || undefined,
      input: query.input || undefined,
      page: query.page,
      page_length: query.pageLength ?? 20,
    },
    signal,
  });
}

export function getRun(id: number, signal?: AbortSignal) {
  return api<RunDetail>(`/workflows/workflow_runs/${id}`, { signal });
}

export function stopRun(id: number) {
  return api<RunDetail>(`/workflows/workflow_runs/${id}/stop`, { method: 'PUT' });
}

/** The task instances of a run (`GET /workflows/tasks?workflow_id=<run id>&instance=true`), every page. */
export async function listTaskInstances(runId: number, signal?: AbortSignal): Promise<TaskInstance[]> {
  const all: TaskInstance[] = [];
  for (let page = 1; page <= 50; page += 1) {
    const answer = await api<Page<TaskInstance>>('/workflows/tasks', {
      query: { workflow_id: runId, instance: true, page, page_length: 100 },
      signal,
    });
    all.push(...answer.data);
    if (!answer.pagination?.next_page || answer.data.length === 0) break;
  }
  return all;
}

export function getTaskInstance(id: number, signal?: AbortSignal) {
  return api<TaskInstance>(`/workflows/tasks/${id}`, { signal });
}

/** `POST /workflows/tasks/{id}/rerun`; with `data` (**ext**) the rerun starts from that input Data instead. */
export function rerunTaskInstance(id: number, data?: Record<string, unknown>) {
  return api<TaskInstance>(`/workflows/tasks/${id}/rerun`, {
    method: 'POST',
    ...(data !== undefined ? { body: { data } } : {}),
  });
}

/** The task instances of a run named `name` (newest first), one page. */
export function findTaskInstances(runId: number, name: string, signal?: AbortSignal) {
  return api<Page<TaskInstance>>('/workflows/tasks', {
    query: { workflow_id: runId, instance: true, name, page_length: 5 },
    signal,
  });
}

/** What "Test this task" sends: sample Data, the task as edited, and the confirmation to really send. */
export interface TaskTestBody {
  data: Record<string, unknown>;
  task?: { name: string; action_type: string; parameters: Record<string, unknown> };
  confirm_side_effects?: boolean;
}

/** `POST /workflows/{id}/versions/{version_id}/tasks/{task_id}/test` (**ext**): one task, outside any run. */
export function testTask(workflowId: number, versionId: number, taskId: number | string, body: TaskTestBody) {
  return api<TaskTestResult>(`/workflows/${workflowId}/versions/${versionId}/tasks/${taskId}/test`, {
    method: 'POST',
    body,
  });
}

/** `POST /workflows/tasks/{id}/approve` or `/reject` (**ext**): decides a `Pending` Approval task instance. */
export function decideApproval(id: number, decision: 'approve' | 'reject', comment: string) {
  return api<TaskInstance>(`/workflows/tasks/${id}/${decision}`, { method: 'POST', body: { comment } });
}
