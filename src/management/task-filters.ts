import type { TaskDefinition } from '../model/workflow-document.js';

/**
 * The filters of `GET /workflows/tasks` that are properties of a task (setup) rather than of a task
 * instance: a task instance matches when the task it is a copy of does. Every field given must match;
 * `tags` matches when the task has any of them, as the reference's `tags[]`.
 */
export interface TaskDefinitionFilter {
  id?: number;
  name?: string;
  actionType?: string;
  tags?: readonly string[];
  object?: string;
  objectId?: string;
  callType?: string;
}

/** The task's `object`, on the task as the reference exports it, or in `parameters` (hand-written files). */
export function objectOf(task: TaskDefinition): string | null {
  const value = task.object ?? task.parameters['object'];
  return typeof value === 'string' ? value : null;
}

export function objectIdOf(task: TaskDefinition): string | null {
  const value = task.object_id;
  return value === undefined || value === null ? null : String(value);
}

/** Whether any filter is a task property (the store cannot filter instances on them). */
export function hasDefinitionFilter(filter: TaskDefinitionFilter): boolean {
  return (
    filter.tags !== undefined ||
    filter.object !== undefined ||
    filter.objectId !== undefined ||
    filter.callType !== undefined
  );
}

export function matchesTask(task: TaskDefinition, filter: TaskDefinitionFilter): boolean {
  if (filter.id !== undefined && Number(task.id) !== filter.id) return false;
  if (filter.name !== undefined && task.name !== filter.name) return false;
  if (filter.actionType !== undefined && task.action_type !== filter.actionType) return false;
  if (filter.tags !== undefined && !(task.tags ?? []).some((tag) => filter.tags?.includes(tag))) return false;
  if (filter.object !== undefined && objectOf(task) !== filter.object) return false;
  if (filter.objectId !== undefined && objectIdOf(task) !== filter.objectId) return false;
  if (filter.callType !== undefined && (task.call_type ?? null) !== filter.callType) return false;
  return true;
}
