import type { TaskInstanceView } from '../model/records.js';
import { maskTaskSecrets } from '../model/callout-secrets.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import { objectIdOf, objectOf } from '../management/task-filters.js';

function iso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** A task instance in the reference's `Task` shape, plus Weir's `data_out`, `log`, `attempt`, reruns (**ext**). */
export function taskInstanceObject(instance: TaskInstanceView, task: TaskDefinition | undefined) {
  return {
    id: instance.id,
    name: instance.name,
    instance: true,
    // Callout secrets are never read back, whatever the token's scopes.
    parameters: task ? maskTaskSecrets(task).parameters : {},
    data: instance.dataIn,
    data_out: instance.dataOut,
    action_type: instance.actionType,
    object: task ? objectOf(task) : null,
    object_id: task ? objectIdOf(task) : null,
    call_type: task?.call_type ?? null,
    workflow_id: instance.runId,
    status: instance.status,
    start_time: iso(instance.startedAt),
    end_time: iso(instance.endedAt),
    original_task_id: instance.taskId,
    original_workflow_id: instance.versionId,
    error: instance.error,
    error_class: instance.errorClass,
    error_details: instance.errorDetails,
    tags: task?.tags ?? [],
    task_id: instance.previousId,
    concurrent_limit: task?.concurrent_limit ?? 9999999,
    log: instance.log,
    attempt: instance.attempt,
    waiting_on: instance.waitingOn,
    due_at: iso(instance.dueAt),
    rerun_of: instance.rerunOf,
    rerun_by: instance.rerunBy,
    iteration:
      instance.iterationParentId === null
        ? null
        : { parent_task_id: instance.iterationParentId, index: instance.iterationIndex },
  };
}

/** A task of a version (`instance: false`). */
export function setupTaskObject(task: TaskDefinition, versionId: number) {
  return {
    id: task.id,
    name: task.name,
    instance: false,
    parameters: maskTaskSecrets(task).parameters,
    action_type: task.action_type,
    object: objectOf(task),
    object_id: objectIdOf(task),
    call_type: task.call_type ?? null,
    workflow_id: versionId,
    status: null,
    tags: task.tags ?? [],
    priority: task.priority ?? 'Medium',
    css: task.css ?? null,
    concurrent_limit: task.concurrent_limit ?? 9999999,
  };
}
