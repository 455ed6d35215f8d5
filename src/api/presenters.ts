import type { RunRecord, RunState, TaskCounts, VersionRecord, WorkflowRecord } from '../model/records.js';
import { formatDuration, formatIsoTime, formatRunTime } from '../model/time.js';
import type { TriggerCredentials } from '../management/workflow-catalog.js';

/** Response shapes, in the reference's field names and casing (camelCase and snake_case as it mixes them). */

export function runMetadata(run: RunState) {
  return {
    id: run.id,
    name: run.name,
    originalWorkflowId: run.workflowId,
    type: 'Workflow::Instance',
    status: run.status,
    createdAt: formatRunTime(run.createdAt),
    updatedAt: formatRunTime(run.updatedAt),
  };
}

/** Run time in seconds: from creation to the end, or to now while it runs; null before it starts. */
function runTimeSeconds(run: RunState, now: number): number | null {
  if (run.startedAt === null) return null;
  return ((run.finishedAt ?? now) - run.createdAt) / 1000;
}

/** Run metadata with `runTime` and `cpuTime`, as 211/212 answers carry it. */
export function runMetadataWithTimes(run: RunState, now: number) {
  const runTime = runTimeSeconds(run, now);
  return { ...runMetadata(run), runTime, cpuTime: formatDuration((runTime ?? 0) * 1000) };
}

/** `GET /workflows/workflow_runs/{id}`. */
export function runDetail(run: RunRecord, tasks: TaskCounts, cpuMs: number, now: number) {
  return {
    ...runMetadata(run),
    result: run.result,
    mode: run.mode,
    runUser: run.runUser,
    priority: run.priority,
    inputs: run.inputs,
    idempotencyKey: run.idempotencyKey ?? null,
    tasks,
    runTime: runTimeSeconds(run, now),
    cpuTime: formatDuration(cpuMs),
    startedAt: formatRunTime(run.startedAt),
    finishedAt: formatRunTime(run.finishedAt),
    createdAt: formatRunTime(run.createdAt),
    updatedAt: formatRunTime(run.updatedAt),
    ...(run.errorClass ? { error_class: run.errorClass, error: run.errorMessage } : {}),
    messages: {},
  };
}

/** A run in a list. */
export function runSummary(run: RunState, now: number) {
  return {
    ...runMetadata(run),
    result: run.result,
    mode: run.mode,
    runUser: run.runUser,
    runTime: runTimeSeconds(run, now),
    finishedAt: formatRunTime(run.finishedAt),
  };
}

export function versionSummary(version: VersionRecord, isActive: boolean) {
  return {
    id: version.id,
    name: version.name,
    description: version.description,
    version: version.version,
    type: 'Workflow::Setup',
    status: isActive ? 'Active' : 'Inactive',
    calloutTrigger: version.settings.calloutTrigger,
    ondemandTrigger: version.settings.ondemandTrigger,
    scheduledTrigger: version.settings.scheduledTrigger,
    syncTrigger: version.settings.syncTrigger,
    interval: version.settings.interval,
    timezone: version.settings.timezone,
    priority: version.settings.priority,
    createdAt: formatIsoTime(version.createdAt),
    updatedAt: formatIsoTime(version.updatedAt),
  };
}

/** A workflow (definition), settings from its current version. */
export function workflowObject(
  workflow: WorkflowRecord,
  current: VersionRecord | undefined,
  versions?: readonly VersionRecord[],
) {
  const active =
    versions?.find((v) => v.id === workflow.activeVersionId) ??
    (current?.id === workflow.activeVersionId ? current : undefined);
  const settings = current?.settings;
  const isScheduled = settings?.scheduledTrigger ?? false;
  return {
    id: workflow.id,
    name: workflow.name,
    description: workflow.description,
    ondemandTrigger: settings?.ondemandTrigger ?? false,
    calloutTrigger: settings?.calloutTrigger ?? false,
    scheduledTrigger: isScheduled,
    syncTrigger: settings?.syncTrigger ?? false,
    interval: isScheduled ? (settings?.interval ?? null) : null,
    timezone: isScheduled ? (settings?.timezone ?? null) : null,
    priority: settings?.priority ?? 'Medium',
    delete_ttl: settings?.deleteTtl ?? null,
    concurrent_run_limit: settings?.concurrentRunLimit ?? null,
    active_scheduled_run_check: settings?.activeScheduledRunCheck ?? true,
    status: workflow.status,
    createdAt: formatIsoTime(workflow.createdAt),
    updatedAt: formatIsoTime(workflow.updatedAt),
    active_version: active
      ? {
          id: active.id,
          description: active.description,
          version: active.version,
          type: 'Workflow::Setup',
          status: 'Active',
        }
      : null,
    ...(versions
      ? {
          // The reference spells it this way; clients written against it read this key.
          latest_inactive_verisons: versions
            .filter((v) => v.id !== workflow.activeVersionId)
            .slice(-10)
            .reverse()
            .map((v) => versionSummary(v, false)),
        }
      : {}),
  };
}

/** `GET /workflows/{id}/settings` (**ext**): the seed's settings page. */
export function settingsObject(
  workflowId: number,
  current: VersionRecord,
  credentials: TriggerCredentials,
  baseUrl: string,
) {
  return {
    callout_trigger: current.settings.calloutTrigger,
    sync_trigger: current.settings.syncTrigger,
    endpoints: {
      run: `${baseUrl}/api/v1/workflows/${workflowId}/run`,
      sync: `${baseUrl}/api/v1/workflows/${workflowId}/sync`,
    },
    api_token: credentials.apiToken,
    basic_auth: { username: credentials.basicUsername, password: credentials.basicPassword },
  };
}
